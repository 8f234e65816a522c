# tests/stress_tool_check.cmake — runs gort-stress once and checks the result.
#
#   cmake -DCMD=<gort-stress> -DARGS=<args, separated by |> -DEXPECT_CODE=<n>
#         [-DEXPECT_STDERR_MATCH=<regex>] [-DEXPECT_STDOUT_MATCH=<regex>]
#         [-DJSON_KEYS=<keys separated by |>] [-DPYTHON=<python3>]
#         [-DTIMEOUT=<s>] -P stress_tool_check.cmake
#
# JSON_KEYS: stdout must parse as one JSON object (python3's json module)
# holding every key listed, with verification.ok true and one entry in
# "workloads" per workload run.
if(NOT DEFINED CMD OR NOT DEFINED EXPECT_CODE)
  message(FATAL_ERROR "stress_tool_check.cmake: CMD and EXPECT_CODE are required")
endif()
if(NOT DEFINED TIMEOUT)
  set(TIMEOUT 60)
endif()
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND "${CMD}" ${args}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT ${TIMEOUT})
set(ok TRUE)
if(NOT "${rc}" STREQUAL "${EXPECT_CODE}")
  message(SEND_ERROR "exit status: expected ${EXPECT_CODE}, got '${rc}'")
  set(ok FALSE)
endif()
if(DEFINED EXPECT_STDERR_MATCH AND NOT "${err}" MATCHES "${EXPECT_STDERR_MATCH}")
  message(SEND_ERROR "stderr: expected a match for [${EXPECT_STDERR_MATCH}]")
  set(ok FALSE)
endif()
if(DEFINED EXPECT_STDOUT_MATCH AND NOT "${out}" MATCHES "${EXPECT_STDOUT_MATCH}")
  message(SEND_ERROR "stdout: expected a match for [${EXPECT_STDOUT_MATCH}]")
  set(ok FALSE)
endif()
if(DEFINED JSON_KEYS)
  # execute_process cannot feed a variable to stdin: the output goes through a file.
  string(RANDOM LENGTH 8 tag)
  set(json_file "${CMAKE_CURRENT_BINARY_DIR}/stress_tool_check_${tag}.json")
  file(WRITE "${json_file}" "${out}")
  string(REPLACE "|" "','" keys "${JSON_KEYS}")
  execute_process(
    COMMAND "${PYTHON}" -c "import json,sys
d = json.load(sys.stdin)
assert isinstance(d, dict), 'not an object'
missing = [k for k in ['${keys}'] if k not in d]
assert not missing, 'missing keys: %s' % missing
assert d['verification']['ok'] is True, d['verification']
assert all(k in d['pause_ns'] for k in ('p50', 'p99', 'max')), d['pause_ns']
assert d['workloads'] and all('name' in w and 'ops' in w for w in d['workloads']) and sum(w['ops'] for w in d['workloads']) > 0, d['workloads']
"
    INPUT_FILE "${json_file}" RESULT_VARIABLE prc OUTPUT_VARIABLE pout ERROR_VARIABLE perr)
  file(REMOVE "${json_file}")
  if(NOT prc EQUAL 0)
    message(SEND_ERROR "JSON check failed: ${perr}")
    set(ok FALSE)
  endif()
endif()
if(NOT ok)
  message(FATAL_ERROR "${CMD} ${args}: exit ${rc}\nstdout [${out}]\nstderr [${err}]")
endif()
