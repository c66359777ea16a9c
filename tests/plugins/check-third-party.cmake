# First-party plugins are built as a third party builds one (DESIGN §3, §11): no host code.
#   cmake -DSOURCE_DIR=<repo> -DTARGETS_FILE=<generated> -P check-third-party.cmake
# TARGETS_FILE has one line per plugin target: "<target>|<link libraries>|<include directories>"
# (lists ','-separated, include directories with the transitive ones of what it links).
# Fails, naming each problem, when a plugin links a host target or sees a host include directory,
# when a plugin or component source includes a host header, or when a Plugin(...) call spells its
# name and version instead of TORCHX_PLUGIN_NAME / TORCHX_PLUGIN_VERSION (torchx_add_plugin()).
cmake_minimum_required(VERSION 3.25)
set(problems "")
file(STRINGS "${TARGETS_FILE}" lines)
foreach(line IN LISTS lines)
  string(REPLACE "|" ";" fields "${line}")
  list(GET fields 0 target)
  list(GET fields 1 libs)
  list(GET fields 2 dirs)
  string(REPLACE "," ";" libs "${libs}")
  string(REPLACE "," ";" dirs "${dirs}")
  foreach(lib IN LISTS libs)
    if(lib MATCHES "^torchx_(host_|loader|runner|cli)")
      list(APPEND problems "${target} links the host target '${lib}'")
    endif()
  endforeach()
  foreach(dir IN LISTS dirs)
    if(dir MATCHES "^${SOURCE_DIR}/host(/|$)")
      list(APPEND problems "${target} sees the host include directory '${dir}'")
    endif()
  endforeach()
endforeach()

file(GLOB_RECURSE sources "${SOURCE_DIR}/plugins/*.cpp" "${SOURCE_DIR}/plugins/*.hpp"
                          "${SOURCE_DIR}/components/*.cpp" "${SOURCE_DIR}/components/*.hpp"
                          "${SOURCE_DIR}/tests/plugins/*.cpp")
foreach(source IN LISTS sources)
  file(RELATIVE_PATH rel "${SOURCE_DIR}" "${source}")
  file(STRINGS "${source}" host_includes REGEX "^#include [\"<](util/subprocess|host/|loader/|runner/|cli/)")
  foreach(inc IN LISTS host_includes)
    list(APPEND problems "${rel} includes host code: ${inc}")
  endforeach()
  file(STRINGS "${source}" calls REGEX "Plugin[ (]")
  foreach(call IN LISTS calls)
    if(call MATCHES "Plugin(::Plugin)?[ (a-z]*\\(\"")
      string(REGEX MATCH "Plugin[ (a-z]*\\(\"[^\"]*\"" spelled "${call}")
      list(APPEND problems "${rel} spells its plugin name: ${spelled}...) (use TORCHX_PLUGIN_NAME, TORCHX_PLUGIN_VERSION)")
    endif()
  endforeach()
endforeach()

list(LENGTH problems count)
if(count GREATER 0)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "first-party plugins not built as third parties (${count}):\n  ${text}")
endif()
list(LENGTH lines targets)
message(STATUS "ok: ${targets} plugin targets and their sources use no host code and take their name from the manifest")
