/* kdh-disasm.c: x64 and x86 disassembly through Capstone, as KD shows it
 *
 * Copyright 2026 The kdhost authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "kdh-disasm.h"

#include <capstone/capstone.h>
#include <string.h>

#include "kd/kdh-dbgkd.h"
#include "common/kdh-address.h"

void
kdh_instruction_clear (KdhInstruction *insn)
{
  g_clear_pointer (&insn->mnemonic, g_free);
  g_clear_pointer (&insn->operands, g_free);
  g_clear_pointer (&insn->symbol, g_free);
}

static gboolean
is_hex_number (const gchar *p,
               gsize        len)
{
  /* Capstone's MASM numbers start with a digit and end in 'h'; register
   * names (ah, ch) start with a letter. */
  if (len < 2 || !g_ascii_isdigit (p[0]) || p[len - 1] != 'h')
    return FALSE;
  for (gsize i = 0; i + 1 < len; i++)
    if (!g_ascii_isxdigit (p[i]))
      return FALSE;
  return TRUE;
}

/* Capstone's MASM text ("qword ptr [rsp + 0a0h], rdx") in KD's spelling
 * ("qword ptr [rsp+0A0h],rdx"). */
static gchar *
kd_operands (const gchar *op_str)
{
  GString *out = g_string_new (NULL);
  const gchar *p = op_str;

  while (*p)
    {
      if (*p == ' ' && (p[1] == '+' || p[1] == '-' || p[1] == '*') && p[2] == ' ')
        {
          g_string_append_c (out, p[1]);
          p += 3;
        }
      else if (*p == ',' && p[1] == ' ')
        {
          g_string_append_c (out, ',');
          p += 2;
        }
      else if (g_ascii_isalnum (*p))
        {
          gsize len = 0;

          while (g_ascii_isalnum (p[len]) || p[len] == '_')
            len++;
          if (is_hex_number (p, len))
            {
              for (gsize i = 0; i + 1 < len; i++)
                g_string_append_c (out, g_ascii_toupper (p[i]));
              g_string_append_c (out, 'h');
            }
          else
            g_string_append_len (out, p, (gssize) len);
          p += len;
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

/* "kdhtest!KdhTestTick+0x30 (fffff800`03001030)", or the address alone. */
static gchar *
symbolic (guint64              address,
          gboolean             pointer64,
          KdhDisasmSymbolFunc  symbolize,
          gpointer             user_data)
{
  g_autofree gchar *addr = kdh_format_address (address, pointer64);
  g_autofree gchar *symbol = symbolize ? symbolize (address, user_data) : NULL;

  if (symbol)
    return g_strdup_printf ("%s (%s)", symbol, addr);
  return g_steal_pointer (&addr);
}

/* A memory operand whose address is known without registers (RIP-relative
 * on x64, absolute on x86) shows that address: "[nt!Foo (fffff800`...)]". */
static gchar *
resolve_memory (gchar               *operands,
                const cs_insn       *insn,
                gboolean             pointer64,
                KdhDisasmSymbolFunc  symbolize,
                gpointer             user_data)
{
  const cs_x86 *x86 = &insn->detail->x86;

  for (guint i = 0; i < x86->op_count; i++)
    {
      const cs_x86_op *op = &x86->operands[i];
      guint64 where;
      gchar *open, *close;
      g_autofree gchar *shown = NULL;
      GString *out;

      if (op->type != X86_OP_MEM || op->mem.index != X86_REG_INVALID)
        continue;
      if (op->mem.base == X86_REG_RIP)
        where = insn->address + insn->size + (guint64) op->mem.disp;
      else if (op->mem.base == X86_REG_INVALID && op->mem.segment == X86_REG_INVALID)
        where = (guint64) op->mem.disp;
      else
        continue;
      if (!pointer64)
        where = (guint32) where;
      open = strchr (operands, '[');
      close = open ? strchr (open, ']') : NULL;
      if (close == NULL)
        break;
      shown = symbolic (where, pointer64, symbolize, user_data);
      out = g_string_new_len (operands, open - operands + 1);
      g_string_append (out, shown);
      g_string_append (out, close);
      g_free (operands);
      return g_string_free (out, FALSE);
    }
  return operands;
}

static void
classify (KdhInstruction *out,
          const cs_insn  *insn,
          gboolean        pointer64)
{
  const cs_detail *d = insn->detail;
  gboolean jump = FALSE;

  out->flow = KDH_FLOW_NEXT;
  for (guint i = 0; i < d->groups_count; i++)
    switch (d->groups[i])
      {
      case CS_GRP_CALL: out->flow = KDH_FLOW_CALL; break;
      case CS_GRP_RET: case CS_GRP_IRET: out->flow = KDH_FLOW_RETURN; break;
      case CS_GRP_JUMP: jump = TRUE; break;
      default: break;
      }
  if (jump && out->flow == KDH_FLOW_NEXT)
    out->flow = g_str_equal (insn->mnemonic, "jmp") || g_str_equal (insn->mnemonic, "ljmp")
                ? KDH_FLOW_JUMP : KDH_FLOW_BRANCH;
  if ((out->flow == KDH_FLOW_CALL || jump) && d->x86.op_count == 1
      && d->x86.operands[0].type == X86_OP_IMM)
    {
      out->has_target = TRUE;
      out->target = (guint64) d->x86.operands[0].imm;
      if (!pointer64)
        out->target = (guint32) out->target;
    }
}

static void
fill (KdhInstruction      *out,
      const cs_insn       *insn,
      gboolean             pointer64,
      KdhDisasmSymbolFunc  symbolize,
      gpointer             user_data)
{
  out->length = insn->size;
  memcpy (out->bytes, insn->bytes, MIN (insn->size, sizeof out->bytes));
  out->valid = TRUE;
  classify (out, insn, pointer64);
  /* WinDbg spells the one-byte breakpoint "int 3", and a 64-bit
   * immediate load "mov". */
  out->mnemonic = g_strdup (g_str_equal (insn->mnemonic, "int3") ? "int"
                            : g_str_equal (insn->mnemonic, "movabs") ? "mov" : insn->mnemonic);
  if (g_str_equal (insn->mnemonic, "int3"))
    out->operands = g_strdup ("3");
  else if (out->has_target)
    out->operands = symbolic (out->target, pointer64, symbolize, user_data);
  else
    out->operands = resolve_memory (kd_operands (insn->op_str), insn, pointer64, symbolize,
                                    user_data);
}

static void
clear_element (gpointer data)
{
  kdh_instruction_clear (data);
}

GArray *
kdh_disasm_decode (guint16              machine,
                   guint64              address,
                   const guint8        *code,
                   gsize                code_len,
                   gsize                valid_len,
                   guint                max_count,
                   KdhDisasmSymbolFunc  symbolize,
                   gpointer             user_data)
{
  GArray *result = g_array_new (FALSE, TRUE, sizeof (KdhInstruction));
  gboolean pointer64 = machine != KDH_MACHINE_I386;
  cs_insn *insn = NULL;
  gsize offset = 0;
  csh handle;

  g_array_set_clear_func (result, clear_element);
  if (cs_open (CS_ARCH_X86, pointer64 ? CS_MODE_64 : CS_MODE_32, &handle) != CS_ERR_OK)
    return result;
  cs_option (handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_MASM);
  cs_option (handle, CS_OPT_DETAIL, CS_OPT_ON);
  insn = cs_malloc (handle);
  valid_len = MIN (valid_len, code_len);

  while (result->len < max_count && offset < code_len)
    {
      KdhInstruction out = { 0 };
      const guint8 *p = code + offset;
      gsize left = valid_len > offset ? valid_len - offset : 0;
      guint64 at = address + offset;

      out.address = pointer64 ? at : (guint32) at;
      out.readable = left > 0;
      if (left > 0 && cs_disasm_iter (handle, &p, &left, &at, insn))
        fill (&out, insn, pointer64, symbolize, user_data);
      else
        {
          out.length = 1;
          out.bytes[0] = out.readable ? code[offset] : 0;
          out.mnemonic = g_strdup ("???");
          out.operands = g_strdup ("");
        }
      out.symbol = symbolize ? symbolize (out.address, user_data) : NULL;
      offset += out.length;
      g_array_append_val (result, out);
    }
  cs_free (insn, 1);
  cs_close (&handle);
  return result;
}

gchar *
kdh_instruction_format (const KdhInstruction *insn,
                        gboolean              pointer64)
{
  g_autofree gchar *addr = kdh_format_address (insn->address, pointer64);
  g_autoptr (GString) bytes = g_string_new (NULL);

  if (!insn->readable)
    return g_strdup_printf ("%s ??              ???", addr);
  for (guint i = 0; i < insn->length; i++)
    g_string_append_printf (bytes, "%02x", insn->bytes[i]);
  if (*insn->operands == '\0')
    return g_strdup_printf ("%s %-15s %s", addr, bytes->str, insn->mnemonic);
  return g_strdup_printf ("%s %-15s %-7s %s", addr, bytes->str, insn->mnemonic, insn->operands);
}

gchar *
kdh_disasm_format_line (guint16       machine,
                        guint64       address,
                        const guint8 *code,
                        gsize         code_len,
                        gboolean      pointer64)
{
  g_autoptr (GArray) insns = kdh_disasm_decode (machine, address, code, code_len, code_len, 1,
                                                NULL, NULL);

  if (insns->len == 0)
    {
      g_autofree gchar *addr = kdh_format_address (address, pointer64);

      return g_strdup_printf ("%s ??              ???", addr);
    }
  return kdh_instruction_format (&g_array_index (insns, KdhInstruction, 0), pointer64);
}
