# tests/stress_tool_check.cmake — the JSON check of gort-stress's --json run,
# included by check_exit.cmake (-DEXTRA_CHECK=...) after its own checks.
#
#   -DJSON_KEYS=<keys separated by |> -DPYTHON=<python3>
#
# stdout must parse as one JSON object (python3's json module) holding every
# key listed, with verification.ok true and the workloads' entries.
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
