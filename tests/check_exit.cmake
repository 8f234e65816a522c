# tests/check_exit.cmake — runs one program and checks its exit status and output.
#
#   cmake -DCMD=<program> [-DARG=<one argument> | -DARGS=<arguments separated by |>]
#         -DEXPECT_CODE=<n>
#         [-DEXPECT_STDOUT=<exact stdout>] [-DEXPECT_STDERR=<exact stderr>]
#         [-DEXPECT_STDERR_MATCH=<CMake regex the stderr must match>]
#         [-DEXPECT_STDOUT_MATCH=<CMake regex the stdout must match>]
#         [-DTIMEOUT=<seconds>] [-DEXTRA_CHECK=<script>] -P check_exit.cmake
#
# EXTRA_CHECK: a script included after the checks above, with the output in
# `out` and `err`; it sets `ok` to FALSE (after a SEND_ERROR) to fail.
if(NOT DEFINED CMD OR NOT DEFINED EXPECT_CODE)
  message(FATAL_ERROR "check_exit.cmake: CMD and EXPECT_CODE are required")
endif()
if(NOT DEFINED TIMEOUT)
  set(TIMEOUT 60)
endif()
if(DEFINED ARGS)
  string(REPLACE "|" ";" args "${ARGS}")
elseif(DEFINED ARG)
  set(args "${ARG}")
else()
  set(args "")
endif()
execute_process(COMMAND "${CMD}" ${args}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT ${TIMEOUT})
set(ok TRUE)
if(NOT "${rc}" STREQUAL "${EXPECT_CODE}")
  message(SEND_ERROR "exit status: expected ${EXPECT_CODE}, got '${rc}'")
  set(ok FALSE)
endif()
if(DEFINED EXPECT_STDOUT AND NOT "${out}" STREQUAL "${EXPECT_STDOUT}")
  message(SEND_ERROR "stdout: expected [${EXPECT_STDOUT}], got [${out}]")
  set(ok FALSE)
endif()
if(DEFINED EXPECT_STDOUT_MATCH AND NOT "${out}" MATCHES "${EXPECT_STDOUT_MATCH}")
  message(SEND_ERROR "stdout: expected a match for [${EXPECT_STDOUT_MATCH}], got [${out}]")
  set(ok FALSE)
endif()
if(DEFINED EXPECT_STDERR_MATCH AND NOT "${err}" MATCHES "${EXPECT_STDERR_MATCH}")
  message(SEND_ERROR "stderr: expected a match for [${EXPECT_STDERR_MATCH}], got [${err}]")
  set(ok FALSE)
endif()
if(DEFINED EXPECT_STDERR AND NOT "${err}" STREQUAL "${EXPECT_STDERR}")
  message(SEND_ERROR "stderr: expected [${EXPECT_STDERR}], got [${err}]")
  set(ok FALSE)
endif()
if(DEFINED EXTRA_CHECK)
  include("${EXTRA_CHECK}")
endif()
if(NOT ok)
  message(FATAL_ERROR "${CMD} ${args}: exit ${rc}\nstdout [${out}]\nstderr [${err}]")
endif()
