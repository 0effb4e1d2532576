# run-fuzzer.cmake: one fuzz-* CTest test
#
# Copyright 2026 The kdhost authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   cmake -DFUZZER=... -DCORPUS=... -DWORK=... -DSECONDS=N -DMAX_LEN=N [-DDICT=...] \
#         [-DSEEDS=DIR/GLOB] -P run-fuzzer.cmake
#
# First replays every seed in CORPUS (the regression inputs kept in the
# repository), then fuzzes for SECONDS. New inputs go to WORK/corpus and
# crash, leak or timeout inputs to WORK/ (the build tree, never the
# repository); the message names the file to add to corpus/ once fixed.
# SEEDS names files the build makes (the guest images' PDBs): they are
# copied into WORK/corpus and replayed with the seeds.

foreach(var FUZZER CORPUS WORK SECONDS MAX_LEN)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run-fuzzer.cmake: ${var} is not set")
  endif()
endforeach()

file(MAKE_DIRECTORY ${WORK}/corpus)
set(common -timeout=10 -rss_limit_mb=2048 -max_len=${MAX_LEN} -artifact_prefix=${WORK}/)
if(DICT)
  list(APPEND common -dict=${DICT})
endif()

set(replay ${CORPUS})
if(SEEDS)
  file(GLOB seed_files ${SEEDS})
  if(NOT seed_files)
    message(FATAL_ERROR "run-fuzzer.cmake: no seed files match ${SEEDS}")
  endif()
  file(COPY ${seed_files} DESTINATION ${WORK}/corpus)
  list(APPEND replay ${WORK}/corpus)
endif()

message(STATUS "Replaying ${replay}")
execute_process(COMMAND ${FUZZER} ${common} -runs=0 ${replay}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed on its seed corpus ${CORPUS} (exit ${result})")
endif()

if(SECONDS GREATER 0)
  message(STATUS "Fuzzing for ${SECONDS} s; new inputs in ${WORK}/corpus")
  execute_process(COMMAND ${FUZZER} ${common} -max_total_time=${SECONDS}
                          -print_final_stats=1 ${WORK}/corpus ${CORPUS}
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${FUZZER} found a problem (exit ${result}); the input is in ${WORK}/ "
                        "(crash-*, leak-*, timeout-*). Reproduce with: ${FUZZER} FILE")
  endif()
endif()
