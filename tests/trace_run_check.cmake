# tests/trace_run_check.cmake — runs gort-test-trace-program with GORT_TRACE
# set, checks its exit status, then checks the trace with trace_check.py.
#
#   cmake -DPROGRAM=<exe> -DMODE=<mode> -DEXPECT_CODE=<n> -DFILE=<trace.json>
#         -DPYTHON=<python3> -DCHECKER=<trace_check.py> [-DCHECK_ARGS=<--full ...>]
#         [-DENV=<VAR=value|VAR=value>] [-DMAX_SIZE=<bytes>] -P trace_run_check.cmake
file(REMOVE "${FILE}")
set(env "GORT_TRACE=${FILE}")
if(DEFINED ENV AND NOT "${ENV}" STREQUAL "")
  string(REPLACE "|" ";" extra "${ENV}")
  list(APPEND env ${extra})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env} "${PROGRAM}" "${MODE}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 100)
if(NOT "${rc}" STREQUAL "${EXPECT_CODE}")
  message(FATAL_ERROR "exit status: expected ${EXPECT_CODE}, got '${rc}'\nstdout: ${out}\nstderr: ${err}")
endif()
if(NOT EXISTS "${FILE}")
  message(FATAL_ERROR "no trace file ${FILE}")
endif()
file(SIZE "${FILE}" size)
if(DEFINED MAX_SIZE AND size GREATER MAX_SIZE)
  message(FATAL_ERROR "${FILE} is ${size} bytes, more than ${MAX_SIZE}")
endif()
set(check_args "")
if(DEFINED CHECK_ARGS AND NOT "${CHECK_ARGS}" STREQUAL "")
  string(REPLACE "|" ";" check_args "${CHECK_ARGS}")
endif()
execute_process(COMMAND "${PYTHON}" "${CHECKER}" "${FILE}" ${check_args}
  RESULT_VARIABLE crc OUTPUT_VARIABLE cout ERROR_VARIABLE cerr)
message(STATUS "${FILE}: ${size} bytes; ${cout}${cerr}")
if(NOT crc EQUAL 0)
  message(FATAL_ERROR "trace_check.py failed")
endif()
