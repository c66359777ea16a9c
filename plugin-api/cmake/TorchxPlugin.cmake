# torchx_add_plugin(): build a torchx plugin and generate its manifest.
#
#   torchx_add_plugin(<target>
#     NAME <plugin name> VERSION <x.y.z> [DESCRIPTION <text>]
#     SOURCES <files...>
#     [SCHEDULERS <names...>] [COMPONENTS <names...>] [TRACKERS <names...>] [NAMED_RESOURCES <names...>]
#     [COMMANDS <verb> <one-line description> [<verb> <description>]...]   # CLI verbs (file format 1.2)
#     [OUTPUT_DIR <dir>] [MANIFEST_DIR <dir>]     # default: the build tree's lib/torchx/plugins and
#                                                 # share/torchx/plugins.d (found by bin/torchx)
#     [NO_INSTALL])
#
# The sources see TORCHX_PLUGIN_NAME and TORCHX_PLUGIN_VERSION (string literals of NAME and
# VERSION), so the Plugin(...) call can never disagree with the manifest.
# The library is a MODULE with hidden visibility whose only exported symbol is
# tx_plugin_negotiate (a linker version script enforces it). The manifest's library_path is
# relative to the manifest, so a build tree or an install prefix can be moved as a whole.
include_guard(GLOBAL)
include(GNUInstallDirs)

set(_TORCHX_PLUGIN_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}" CACHE INTERNAL "where TorchxPlugin.cmake lives")

function(_torchx_json_list out)
  set(items "")
  foreach(item IN LISTS ARGN)
    list(APPEND items "\"${item}\"")
  endforeach()
  list(JOIN items ", " joined)
  set(${out} "${joined}" PARENT_SCOPE)
endfunction()

function(torchx_add_plugin target)
  cmake_parse_arguments(TX "NO_INSTALL" "NAME;VERSION;DESCRIPTION;OUTPUT_DIR;MANIFEST_DIR"
                        "SOURCES;SCHEDULERS;COMPONENTS;TRACKERS;NAMED_RESOURCES;COMMANDS" ${ARGN})
  if(NOT TX_NAME OR NOT TX_VERSION OR NOT TX_SOURCES)
    message(FATAL_ERROR "torchx_add_plugin(${target}): NAME, VERSION and SOURCES are required")
  endif()
  # Names go into file names, JSON and C string literals unescaped: keep them to a safe alphabet.
  foreach(name IN LISTS TX_NAME TX_VERSION TX_SCHEDULERS TX_COMPONENTS TX_TRACKERS TX_NAMED_RESOURCES)
    if(NOT name MATCHES "^[A-Za-z0-9_.+-]+$")
      message(FATAL_ERROR "torchx_add_plugin(${target}): '${name}' is not a valid name or version "
                          "(letters, digits, '_', '.', '+', '-')")
    endif()
  endforeach()
  # Commands: pairs of a verb (lowercase letters, digits, '-', '_', starting with a letter) and a
  # one-line description (escaped for JSON). A manifest with commands is file format 1.2.
  set(TX_FORMAT_VERSION "1.0.0")
  set(command_items "")
  list(LENGTH TX_COMMANDS command_count)
  if(command_count GREATER 0)
    math(EXPR odd "${command_count} % 2")
    if(odd)
      message(FATAL_ERROR "torchx_add_plugin(${target}): COMMANDS takes pairs of a verb and its description")
    endif()
    set(TX_FORMAT_VERSION "1.2.0")
    math(EXPR last "${command_count} - 1")
    foreach(i RANGE 0 ${last} 2)
      math(EXPR j "${i} + 1")
      list(GET TX_COMMANDS ${i} verb)
      list(GET TX_COMMANDS ${j} text)
      if(NOT verb MATCHES "^[a-z][a-z0-9_-]*$")
        message(FATAL_ERROR "torchx_add_plugin(${target}): '${verb}' is not a command name "
                            "(lowercase letters, digits, '-' and '_', starting with a letter)")
      endif()
      if(text STREQUAL "" OR text MATCHES "\n")
        message(FATAL_ERROR "torchx_add_plugin(${target}): command '${verb}' needs a one-line description")
      endif()
      string(REPLACE "\\" "\\\\" text "${text}")
      string(REPLACE "\"" "\\\"" text "${text}")
      string(REPLACE "\t" " " text "${text}")
      list(APPEND command_items "{\"name\": \"${verb}\", \"description\": \"${text}\"}")
    endforeach()
  endif()
  list(JOIN command_items ", " TX_COMMANDS_JSON)
  # The description is free text: escaped for JSON.
  string(REPLACE "\\" "\\\\" TX_DESCRIPTION "${TX_DESCRIPTION}")
  string(REPLACE "\"" "\\\"" TX_DESCRIPTION "${TX_DESCRIPTION}")
  string(REPLACE "\n" "\\n" TX_DESCRIPTION "${TX_DESCRIPTION}")
  string(REPLACE "\t" "\\t" TX_DESCRIPTION "${TX_DESCRIPTION}")
  if(NOT TX_OUTPUT_DIR)
    set(TX_OUTPUT_DIR "${CMAKE_BINARY_DIR}/lib/torchx/plugins")
  endif()
  if(NOT TX_MANIFEST_DIR)
    set(TX_MANIFEST_DIR "${CMAKE_BINARY_DIR}/share/torchx/plugins.d")
  endif()

  add_library(${target} MODULE ${TX_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY "${TX_OUTPUT_DIR}"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE torchx::plugin_api)
  # The manifest's name and version, for the source's Plugin(...) call: one place to change them.
  target_compile_definitions(${target} PRIVATE TORCHX_PLUGIN_NAME="${TX_NAME}" TORCHX_PLUGIN_VERSION="${TX_VERSION}")
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${_TORCHX_PLUGIN_CMAKE_DIR}/plugin.map"
    "LINKER:--exclude-libs,ALL"
    "LINKER:--no-undefined")

  _torchx_json_list(TX_SCHEDULERS ${TX_SCHEDULERS})
  _torchx_json_list(TX_COMPONENTS ${TX_COMPONENTS})
  _torchx_json_list(TX_TRACKERS ${TX_TRACKERS})
  _torchx_json_list(TX_NAMED_RESOURCES ${TX_NAMED_RESOURCES})
  set(lib_file "libtorchx_plugin_${TX_NAME}.so")
  set_target_properties(${target} PROPERTIES OUTPUT_NAME "torchx_plugin_${TX_NAME}")

  # The build tree's manifest.
  file(RELATIVE_PATH TX_LIBRARY_PATH "${TX_MANIFEST_DIR}" "${TX_OUTPUT_DIR}/${lib_file}")
  configure_file("${_TORCHX_PLUGIN_CMAKE_DIR}/manifest.json.in" "${TX_MANIFEST_DIR}/${TX_NAME}.json" @ONLY)

  if(NOT TX_NO_INSTALL)
    # The installed manifest: share/torchx/plugins.d/<name>.json -> lib/torchx/plugins/<lib>.
    set(TX_LIBRARY_PATH "../../../${CMAKE_INSTALL_LIBDIR}/torchx/plugins/${lib_file}")
    set(install_manifest "${CMAKE_CURRENT_BINARY_DIR}/install-manifests/${TX_NAME}.json")
    configure_file("${_TORCHX_PLUGIN_CMAKE_DIR}/manifest.json.in" "${install_manifest}" @ONLY)
    install(TARGETS ${target} LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/torchx/plugins")
    install(FILES "${install_manifest}" DESTINATION "${CMAKE_INSTALL_DATADIR}/torchx/plugins.d")
  endif()
endfunction()
