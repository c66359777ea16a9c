# torchx_add_conformance_test(): register a ctest test that runs torchx-plugin-conformance on a
# plugin's manifest and passes when every conformance check passes (exit 0).
#
#   torchx_add_conformance_test(<test name>
#     MANIFEST <path to plugins.d/<name>.json>
#     [ARGS <extra harness arguments...>]      # e.g. --timeout 300 --unknown-app-id 999999999
#     [LABELS <labels...>])
#
# Inside the torchx build the harness target is used; elsewhere (a third party's project) the
# installed `torchx-plugin-conformance` is looked up on the PATH (or set TORCHX_PLUGIN_CONFORMANCE).
include_guard(GLOBAL)

function(torchx_add_conformance_test test_name)
  cmake_parse_arguments(TX "" "MANIFEST" "ARGS;LABELS" ${ARGN})
  if(NOT TX_MANIFEST)
    message(FATAL_ERROR "torchx_add_conformance_test(${test_name}): MANIFEST is required")
  endif()
  if(TARGET torchx-plugin-conformance)
    set(harness "$<TARGET_FILE:torchx-plugin-conformance>")
  else()
    find_program(TORCHX_PLUGIN_CONFORMANCE torchx-plugin-conformance REQUIRED)
    set(harness "${TORCHX_PLUGIN_CONFORMANCE}")
  endif()
  add_test(NAME "${test_name}" COMMAND "${harness}" ${TX_ARGS} "${TX_MANIFEST}")
  if(TX_LABELS)
    set_tests_properties("${test_name}" PROPERTIES LABELS "${TX_LABELS}")
  endif()
endfunction()
