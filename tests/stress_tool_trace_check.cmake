# tests/stress_tool_trace_check.cmake — the trace check of gort-stress's
# `--trace FILE` run, included by check_exit.cmake (-DEXTRA_CHECK=...) after
# its own checks: trace_check.py --full (tests/trace_check.py says what that
# checks) on FILE, which is then deleted so that a later run cannot pass on
# an old file.
#
#   -DTRACE=<the --trace file> -DPYTHON=<python3>
if(NOT DEFINED TRACE OR NOT DEFINED PYTHON)
  message(FATAL_ERROR "stress_tool_trace_check.cmake: TRACE and PYTHON are required")
endif()
if(NOT EXISTS "${TRACE}")
  message(SEND_ERROR "no trace written at ${TRACE}")
  set(ok FALSE)
else()
  execute_process(
    COMMAND "${PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/trace_check.py" "${TRACE}" --full
    RESULT_VARIABLE prc OUTPUT_VARIABLE pout ERROR_VARIABLE perr)
  file(REMOVE "${TRACE}")
  if(NOT prc EQUAL 0)
    message(SEND_ERROR "trace check failed: ${perr}${pout}")
    set(ok FALSE)
  endif()
endif()
