# tests/stress_tool_report_check.cmake — the report check of gort-stress's
# `--json --report FILE` run, included by check_exit.cmake (-DEXTRA_CHECK=...)
# after its own checks: stdout (the JSON summary) goes to a file, and
# stress_tool_report_check.py checks FILE against it.
#
#   -DREPORT=<the --report file> -DPYTHON=<python3>
if(NOT DEFINED REPORT OR NOT DEFINED PYTHON)
  message(FATAL_ERROR "stress_tool_report_check.cmake: REPORT and PYTHON are required")
endif()
if(NOT EXISTS "${REPORT}")
  message(SEND_ERROR "no report written at ${REPORT}")
  set(ok FALSE)
else()
  string(RANDOM LENGTH 8 tag)
  set(json_file "${CMAKE_CURRENT_BINARY_DIR}/stress_tool_report_${tag}.json")
  file(WRITE "${json_file}" "${out}")
  execute_process(
    COMMAND "${PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/stress_tool_report_check.py" "${REPORT}" "${json_file}"
    RESULT_VARIABLE prc OUTPUT_VARIABLE pout ERROR_VARIABLE perr)
  file(REMOVE "${json_file}")
  if(NOT prc EQUAL 0)
    message(SEND_ERROR "report check failed: ${perr}${pout}")
    set(ok FALSE)
  endif()
endif()
