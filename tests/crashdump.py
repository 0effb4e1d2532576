#!/usr/bin/env python3
"""An independent reader of 64-bit kernel crash dumps, for the tests.

It knows the DUMP_HEADER64 layout from the public descriptions (rizin's
dmp_specs.h, kdmp-parser, volatility), not from kdhost's code:

  crashdump.py header FILE        the header's fields as key=value lines
  crashdump.py read FILE VA LEN   LEN bytes at virtual VA (hex), through its
                                  own page-table walk from DirectoryTableBase
  crashdump.py bitmap IN OUT      converts full dump IN into a bitmap full
                                  dump (type 5, FDMP) OUT holding the same
                                  pages
  crashdump.py make32 OUT         writes a small 32-bit (PAGEDUMP, x86, PAE)
                                  full dump from the published 32-bit layout
                                  (Bin2Dmp's DUMP_HEADER32, volatility): one
                                  module "ntkrnlpa.exe" at 0x80401000 on
                                  PsLoadedModuleList, eip 0x80401010,
                                  eax 0x12345678, bug check 0xE2
"""

import struct
import sys

PAGE = 0x1000


def header(data):
    if data[0:8] != b"PAGEDU64":
        raise SystemExit("not a PAGEDU64 dump")
    f = {}
    (f["major"], f["minor"], f["dtb"], f["pfn_database"], f["module_list"],
     f["process_head"], f["machine"], f["processors"], f["bugcheck_code"]) = \
        struct.unpack_from("<IIQQQQIII", data, 0x08)
    for i, p in enumerate(struct.unpack_from("<4Q", data, 0x40)):
        f["bugcheck_p%d" % (i + 1)] = p
    f["kddebugger_data"], = struct.unpack_from("<Q", data, 0x80)
    n_runs, n_pages = struct.unpack_from("<I4xQ", data, 0x88)
    f["runs"] = n_runs
    f["pages"] = n_pages
    runs = []
    for i in range(n_runs):
        runs.append(struct.unpack_from("<QQ", data, 0x98 + 16 * i))
        f["run%d" % i] = "%x:%x" % runs[-1]
    # CONTEXT (AMD64): ContextFlags 0x30, Rsp 0x98, Rip 0xF8.
    f["context_flags"], = struct.unpack_from("<I", data, 0x348 + 0x30)
    f["rsp"], = struct.unpack_from("<Q", data, 0x348 + 0x98)
    f["rip"], = struct.unpack_from("<Q", data, 0x348 + 0xF8)
    # EXCEPTION_RECORD64 at 0xF00.
    f["exception_code"], = struct.unpack_from("<I", data, 0xF00)
    f["exception_address"], = struct.unpack_from("<Q", data, 0xF10)
    f["dump_type"], = struct.unpack_from("<I", data, 0xF98)
    f["required_space"], f["system_time"] = struct.unpack_from("<QQ", data, 0xFA0)
    f["system_up_time"], = struct.unpack_from("<Q", data, 0x1030)
    f["product_type"], f["suite_mask"] = struct.unpack_from("<II", data, 0x1040)
    f["kd_secondary"] = data[0x104D]
    f["file_size"] = len(data)
    return f, runs


class Dump:
    def __init__(self, data):
        self.data = data
        self.h, runs = header(data)
        self.pages = {}
        if self.h["dump_type"] == 1:
            index = 0
            for base, count in runs:
                for p in range(count):
                    self.pages[base + p] = 0x2000 + (index + p) * PAGE
                index += count
        elif self.h["dump_type"] in (2, 5, 6):
            sig = data[0x2000:0x2008]
            assert sig in (b"SDMPDUMP", b"FDMPDUMP"), sig
            first, present, bits = struct.unpack_from("<QQQ", data, 0x2020)
            bitmap = data[0x2038:0x2038 + (bits + 7) // 8]
            n = 0
            for page in range(bits):
                if bitmap[page // 8] >> (page % 8) & 1:
                    self.pages[page] = first + n * PAGE
                    n += 1
            assert n == present

    def phys(self, address, length):
        out = b""
        while length > 0:
            off = self.pages.get(address // PAGE)
            if off is None:
                break
            n = min(length, PAGE - address % PAGE)
            out += self.data[off + address % PAGE:off + address % PAGE + n]
            address += n
            length -= n
        return out

    def translate(self, va):
        table = self.h["dtb"] & 0xFFFFFFFFFF000
        for level in (3, 2, 1, 0):
            index = (va >> (12 + 9 * level)) & 0x1FF
            raw = self.phys(table + 8 * index, 8)
            if len(raw) < 8:
                return None
            entry, = struct.unpack("<Q", raw)
            if not entry & 1:
                return None
            if level in (1, 2) and entry & 0x80:
                size = 1 << (12 + 9 * level)
                return (entry & 0xFFFFFFFFFF000 & ~(size - 1)) | (va & (size - 1))
            table = entry & 0xFFFFFFFFFF000
        return table | (va & 0xFFF)

    def virt(self, va, length):
        out = b""
        while length > 0:
            pa = self.translate(va)
            if pa is None:
                break
            n = min(length, PAGE - va % PAGE)
            got = self.phys(pa, n)
            out += got
            if len(got) < n:
                break
            va += n
            length -= n
        return out


def to_bitmap(data):
    dump = Dump(data)
    assert dump.h["dump_type"] == 1
    pages = sorted(dump.pages)
    bits = pages[-1] + 1
    bitmap = bytearray((bits + 7) // 8)
    for p in pages:
        bitmap[p // 8] |= 1 << (p % 8)
    first = (0x2038 + len(bitmap) + PAGE - 1) // PAGE * PAGE
    out = bytearray(data[:0x2000])
    struct.pack_into("<I", out, 0xF98, 5)
    # The runs stay: Windows keeps the machine's memory map in them.
    sub = bytearray(b"FDMPDUMP" + b"PAGE" * 6)
    sub += struct.pack("<QQQ", first, len(pages), bits)
    sub += bitmap
    out += sub
    out += b"\0" * (first - len(out))
    for p in pages:
        off = dump.pages[p]
        out += data[off:off + PAGE]
    struct.pack_into("<Q", out, 0xFA0, len(out))
    return bytes(out)


def make32():
    """Pages 0x0-0x1f and 0x100-0x10f. PAE: PDPT at 0x1000, PD at 0x2000,
    PT at 0x3000 mapping 0x80400000-0x8040ffff onto pages 0x100-0x10f."""
    runs = [(0, 0x20), (0x100, 0x10)]
    header = bytearray(b"PAGE" * (0x1000 // 4))
    header[4:8] = b"DUMP"
    struct.pack_into("<IIIIIIIIII", header, 0x08, 0xF, 2600, 0x1000, 0x80500000,
                     0x80400000, 0x80400008, 0x14C, 1, 0xE2, 1)
    struct.pack_into("<III", header, 0x30, 2, 3, 4)     # parameters 2-4
    header[0x5C] = 1                                     # PaeEnabled
    header[0x5D] = 2                                     # KdSecondaryVersion
    struct.pack_into("<I", header, 0x60, 0x80400200)     # KdDebuggerDataBlock
    block = struct.pack("<II", len(runs), sum(c for _, c in runs))
    for base, count in runs:
        block += struct.pack("<II", base, count)
    header[0x64:0x64 + 700] = block.ljust(700, b"\0")
    context = bytearray(1200)
    struct.pack_into("<I", context, 0, 0x1003F)          # CONTEXT_i386 | all
    struct.pack_into("<IIIIIIIIIIIII", context, 0x8C, 0, 0x30, 0x23, 0x23, 0x11, 0x22,
                     0x33, 0x44, 0x55, 0x12345678, 0x80400F00, 0x80401010, 8)
    struct.pack_into("<II", context, 0xC0, 0x246, 0x80400E00)   # EFlags, Esp
    struct.pack_into("<I", context, 0xC8, 0x10)          # SegSs
    header[0x320:0x320 + 1200] = context
    exception = struct.pack("<IIIII", 0x80000003, 0, 0, 0x80401010, 1) + b"\0" * 60
    header[0x7D0:0x7D0 + 0x50] = exception
    header[0x820:0x820 + 128] = b"\0" * 128
    struct.pack_into("<IIIIII", header, 0xF88, 1, 0, 0, 1, 0x110, 0)
    pages = {}
    for base, count in runs:
        for p in range(base, base + count):
            pages[p] = bytearray(PAGE)
    struct.pack_into("<Q", pages[1], 8 * 2, 0x2000 | 1)          # PDPT[2]: 0x80000000
    struct.pack_into("<Q", pages[2], 8 * 2, 0x3000 | 3)          # PD[2]: 0x80400000
    for i in range(0x10):
        struct.pack_into("<Q", pages[3], 8 * i, (0x100 + i) * PAGE | 3)
    data = pages[0x100]                                          # 0x80400000
    struct.pack_into("<II", data, 0, 0x80400040, 0x80400040)     # PsLoadedModuleList
    struct.pack_into("<II", data, 8, 0x80400008, 0x80400008)     # PsActiveProcessHead
    name = "ntkrnlpa.exe".encode("utf-16-le")
    entry = struct.pack("<II", 0x80400000, 0x80400000) + b"\0" * 16
    entry += struct.pack("<III", 0x80401000, 0x80401010, 0x2000)
    entry += struct.pack("<HHI", len(name), len(name) + 2, 0x80400100)     # FullDllName
    entry += struct.pack("<HHI", len(name), len(name) + 2, 0x80400100)     # BaseDllName
    data[0x40:0x40 + len(entry)] = entry
    data[0x100:0x100 + len(name)] = name
    # An EBP chain for k: nt+0x10 called from nt+0x20, which ends it.
    struct.pack_into("<IIIII", data, 0xF00, 0x80400F40, 0x80401020, 0xA1, 0xA2, 0xA3)
    struct.pack_into("<IIIII", data, 0xF40, 0, 0, 0xB1, 0xB2, 0xB3)
    struct.pack_into("<Q", data, 0x200 + 0x18, 0xFFFFFFFF80401000)  # KDDEBUGGER_DATA64.KernBase
    struct.pack_into("<I", data, 0x200 + 0x10, 0x4742444B)           # OwnerTag KDBG
    image = pages[0x101]                                         # 0x80401000
    image[0:2] = b"MZ"
    image[0x10:0x14] = b"\xcc\x90\x90\xc3"
    out = bytes(header)
    for base, count in runs:
        for p in range(base, base + count):
            out += bytes(pages[p])
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "make32":
        with open(sys.argv[2], "wb") as fh:
            fh.write(make32())
        return
    with open(sys.argv[2], "rb") as fh:
        data = fh.read()
    if cmd == "header":
        f, _ = header(data)
        for k, v in f.items():
            print("%s=%s" % (k, v if isinstance(v, str) else "%x" % v))
    elif cmd == "read":
        print(Dump(data).virt(int(sys.argv[3], 16), int(sys.argv[4], 16)).hex())
    elif cmd == "translate":
        pa = Dump(data).translate(int(sys.argv[3], 16))
        print("none" if pa is None else "%x" % pa)
    elif cmd == "bitmap":
        with open(sys.argv[3], "wb") as fh:
            fh.write(to_bitmap(data))
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
