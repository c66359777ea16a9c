# Build-wide settings: language level, the build-tree layout that mirrors an install, ccache,
# warnings, and the third-party packages every part of the project uses.
include_guard(GLOBAL)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_C_STANDARD 99)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

# A build tree is laid out like an install prefix so that <build>/bin/torchx finds the plugins
# of the same build without installing: bin/, lib/torchx/plugins/, share/torchx/plugins.d/.
# Plugins, the supervisor and the SDK go under <prefix>/lib even where GNUInstallDirs would pick a
# multiarch dir (Debian's /usr): lib/torchx/ is our private tree and the relative paths between
# lib/torchx/plugins, lib/torchx/libexec and share/torchx stay the same in every install.
set(CMAKE_INSTALL_LIBDIR lib CACHE PATH "Object code libraries (lib)")
include(GNUInstallDirs)
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin")
set(CMAKE_LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib")
set(CMAKE_ARCHIVE_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib")
set(TORCHX_PLUGIN_OUTPUT_DIR "${CMAKE_BINARY_DIR}/lib/torchx/plugins")
set(TORCHX_MANIFEST_OUTPUT_DIR "${CMAKE_BINARY_DIR}/share/torchx/plugins.d")
file(MAKE_DIRECTORY "${TORCHX_PLUGIN_OUTPUT_DIR}" "${TORCHX_MANIFEST_OUTPUT_DIR}")

find_program(TORCHX_CCACHE ccache)
if(TORCHX_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${TORCHX_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${TORCHX_CCACHE}")
endif()

# Link order (bench/README.md, "Hot code packed by link order"): a short command runs a few
# hundred functions spread over megabytes of code, and every 4 KiB page of code it touches is a
# page fault (the kernel maps 64 KiB around it). With TORCHX_LINK_ORDER every object is compiled
# with -ffunction-sections (a section per function) and the targets that have a
# cmake/link-order/<target>.txt (bin/torchx, the local supervisor, the local, builtins and Slurm
# plugins: torchx_link_order) are linked by gold, which places the sections that file names side
# by side in its order (--section-ordering-file). The files are written by scripts/link-order.py
# from callgrind runs of the common commands; a stale file only packs less, never changes what
# the program does. gold comes with binutils (no extra package); GNU ld 2.40 has no ordering
# option, and lld is not installed by default. Off in sanitized and fuzzing builds (layout does
# not matter there) and where the linker refuses the option (then the build is as before).
if(TORCHX_SANITIZE OR TORCHX_FUZZ)
  set(TORCHX_LINK_ORDER OFF)
else()
  option(TORCHX_LINK_ORDER "Pack the common commands' code by link order (gold --section-ordering-file)" ON)
endif()
if(TORCHX_LINK_ORDER)
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_LINK_OPTIONS -fuse-ld=gold
      "LINKER:--section-ordering-file,${PROJECT_SOURCE_DIR}/cmake/link-order/torchx.txt")
  check_cxx_source_compiles("int main() { return 0; }" TORCHX_HAVE_GOLD_ORDERING)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(NOT TORCHX_HAVE_GOLD_ORDERING)
    message(STATUS "torchx: gold with --section-ordering-file not found: link order off")
    set(TORCHX_LINK_ORDER OFF)
  endif()
endif()
if(TORCHX_LINK_ORDER)
  add_compile_options(-ffunction-sections)
endif()
# torchx_link_order(<target>): link <target> by gold in the order of cmake/link-order/<target>.txt
# when TORCHX_LINK_ORDER is on and the file exists (a target without a file links as before).
function(torchx_link_order target)
  set(order "${PROJECT_SOURCE_DIR}/cmake/link-order/${target}.txt")
  if(TORCHX_LINK_ORDER AND EXISTS "${order}")
    target_link_options(${target} PRIVATE -fuse-ld=gold "LINKER:--section-ordering-file,${order}")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${order}")
    set_property(TARGET ${target} PROPERTY TORCHX_LINK_ORDER_FILE "${order}")
  endif()
endfunction()

# Start-up (bench/README.md, "Start-up"): most of what a dynamically linked `torchx --version`
# spent before main was the dynamic loader mapping and relocating a dozen C++ shared libraries.
# With TORCHX_STATIC_DEPS the executables marked by torchx_link_static_runtime() (bin/torchx and
# the bench floors) link Program_options (here), RE2, yaml-cpp and inih
# (host/CMakeLists.txt) from their static archives, spdlog and fmt header-only (every target), and
# libstdc++ statically. Boost.JSON is compiled in everywhere (torchx_boost_json_impl below).
# Everything else (plugins, libtorchx_runtime.so, the test programs; the local supervisor is
# fully static: plugins/local/CMakeLists.txt) links the other libraries shared: libre2.a's thread-locals cannot go into a shared object. A sanitized or
# fuzzing build keeps every library shared: ASan wants the shared C++ runtime.
if(TORCHX_SANITIZE OR TORCHX_FUZZ)
  set(TORCHX_STATIC_DEPS OFF)
else()
  option(TORCHX_STATIC_DEPS "Link bin/torchx's C++ dependencies, libstdc++ included, statically" ON)
endif()
# True while linking a target marked by torchx_link_static_runtime() (evaluated, in
# INTERFACE_LINK_LIBRARIES, for the target being linked).
set(TORCHX_LINKING_STATIC "$<BOOL:$<TARGET_PROPERTY:TORCHX_STATIC_RUNTIME>>")

# Boost 1.81 from Debian (1.74 has no Boost.JSON). DLL and Process are header-only parts of
# Boost::headers; JSON is compiled here from its sources (torchx_boost_json_impl below);
# Program_options is a compiled library.
find_package(Boost 1.81 REQUIRED COMPONENTS program_options)
find_package(spdlog 1.10 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(Threads REQUIRED)

# Boost.JSON compiled from its header-only sources (cmake/boost_json.cpp includes
# <boost/json/src.hpp>) into torchx_boost_json_impl, a position-independent static library with
# hidden symbols: plugins, libtorchx_runtime.so and bin/torchx all link it, so no libboost_json.so
# is loaded by anything torchx ships (a plugin's dlopen maps libstdc++ and nothing else C++;
# bench/README.md "Start-up"). Debian's libboost_json.a cannot replace it: it is not PIC. It is
# installed with the SDK (torchx::boost_json, libtorchx_boost_json.a): a plugin built against the
# installed SDK needs the Boost headers only. The library is compiled without BOOST_JSON_DYN_LINK:
# its definitions carry no visibility attribute, so -fvisibility=hidden keeps them private.
add_library(torchx_boost_json_impl STATIC "${CMAKE_CURRENT_LIST_DIR}/boost_json.cpp")
set_target_properties(torchx_boost_json_impl PROPERTIES POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden
                      VISIBILITY_INLINES_HIDDEN ON EXPORT_NAME boost_json OUTPUT_NAME torchx_boost_json)
target_link_libraries(torchx_boost_json_impl PUBLIC Boost::headers)
# torchx_boost_json: what the project's own targets link. It keeps the definitions that
# Debian's Boost::json target gave every object (they only add visibility attributes on this
# platform), so the objects compile as before; the SDK's consumers get torchx_boost_json_impl.
add_library(torchx_boost_json INTERFACE)
target_link_libraries(torchx_boost_json INTERFACE torchx_boost_json_impl)
target_compile_definitions(torchx_boost_json INTERFACE BOOST_CONTAINER_DYN_LINK BOOST_CONTAINER_NO_LIB
                                                       BOOST_JSON_DYN_LINK BOOST_JSON_NO_LIB)

# torchx_boost_program_options: what the project links instead of Boost::program_options: the
# static archive in a target marked by torchx_link_static_runtime() (with TORCHX_STATIC_DEPS), the
# imported target otherwise. Compile definitions stay those of the imported target.
foreach(component program_options)
  add_library(torchx_boost_${component} INTERFACE)
  if(TORCHX_STATIC_DEPS)
    get_target_property(location Boost::${component} IMPORTED_LOCATION_RELEASE)
    get_filename_component(boost_libdir "${location}" DIRECTORY)
    find_library(TORCHX_boost_${component}_ARCHIVE NAMES libboost_${component}.a HINTS "${boost_libdir}" NO_DEFAULT_PATH)
    if(NOT TORCHX_boost_${component}_ARCHIVE)
      message(FATAL_ERROR "TORCHX_STATIC_DEPS: libboost_${component}.a not found next to ${location} "
                          "(configure with -DTORCHX_STATIC_DEPS=OFF to link the shared library)")
    endif()
    target_link_libraries(torchx_boost_${component} INTERFACE Boost::headers
                          "$<${TORCHX_LINKING_STATIC}:${TORCHX_boost_${component}_ARCHIVE}>"
                          "$<$<NOT:${TORCHX_LINKING_STATIC}>:Boost::${component}>")
    # The same definitions as Boost::<component> for every target (BOOST_*_DYN_LINK only changes
    # symbol visibility attributes here), so objects compile the same either way.
    target_compile_definitions(torchx_boost_${component} INTERFACE
      "$<${TORCHX_LINKING_STATIC}:$<TARGET_PROPERTY:Boost::${component},INTERFACE_COMPILE_DEFINITIONS>>")
  else()
    target_link_libraries(torchx_boost_${component} INTERFACE Boost::${component})
  endif()
endforeach()

# spdlog and fmt in header-only mode (Debian ships no static archive of either): the host's
# libraries log through this target, never spdlog::spdlog, so no libspdlog.so/libfmt.so is loaded.
# Plugins never use spdlog (they log through the host's callback, plugin-api/docs).
add_library(torchx_spdlog INTERFACE)
target_include_directories(torchx_spdlog SYSTEM INTERFACE
  $<TARGET_PROPERTY:spdlog::spdlog_header_only,INTERFACE_INCLUDE_DIRECTORIES>
  $<TARGET_PROPERTY:fmt::fmt-header-only,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_definitions(torchx_spdlog INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY=1)
target_link_libraries(torchx_spdlog INTERFACE Threads::Threads)

# torchx_static_libm(<target>): a static libstdc++ needs two functions of libm, fegetround and
# fesetround (its floating-point to_chars/from_chars), and for them alone the target named
# libm.so.6, which the dynamic loader then mapped and relocated on every command (~9 page faults,
# ~4% of `torchx status`; bench/README.md "Hot code packed by link order"). They are taken from
# libm.a instead (forced in with --undefined, as libstdc++.a comes after it on the driver's line;
# the -lm inside -Wl, because g++ moves a plain -lm to its own). A target that needs more of libm
# gets the rest from libm.so.6 as before: tests/CMakeLists.txt's "needs only" checks then say so.
execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libm.a OUTPUT_VARIABLE TORCHX_LIBM_ARCHIVE
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(IS_ABSOLUTE "${TORCHX_LIBM_ARCHIVE}" AND EXISTS "${TORCHX_LIBM_ARCHIVE}")
  set(TORCHX_STATIC_LIBM ON)
else()
  set(TORCHX_STATIC_LIBM OFF)
endif()
function(torchx_static_libm target)
  if(TORCHX_STATIC_LIBM)
    target_link_options(${target} PRIVATE "LINKER:--undefined=fegetround,--undefined=fesetround"
                        "LINKER:--push-state,-Bstatic,-lm,--pop-state")
    set_target_properties(${target} PROPERTIES TORCHX_STATIC_LIBM ON)
  endif()
endfunction()

# torchx_link_static_runtime(<executable>): with TORCHX_STATIC_DEPS, link the executable's C++
# dependencies (the torchx_boost_* targets, RE2, yaml-cpp, inih) from static archives, and
# libstdc++ statically, dropping unneeded DT_NEEDED entries. Only for executables whose every C++
# dependency is then static (bin/torchx, the bench floors): a C++ shared library linked beside a
# static libstdc++ would bind to a second copy. Plugins keep the shared libstdc++ (nothing C++
# crosses the C ABI). libgcc stays shared: with -static-libgcc an exception a plugin lets escape
# (the fx_throws fixture) met a second unwinder in the host and aborted instead of being reported
# (cli test "torchx plugins check loads each plugin ..."). tests/support/check_needed.sh guards
# bin/torchx.

function(torchx_link_static_runtime target)
  if(TORCHX_STATIC_DEPS)
    set_target_properties(${target} PROPERTIES TORCHX_STATIC_RUNTIME ON)
    # --exclude-libs,ALL: the static libstdc++'s symbols stay out of the executable's dynamic
    # symbol table. GNU ld left them out anyway; gold (torchx_link_order) exported its
    # STB_GNU_UNIQUE ones (the locale facets' ids, 169 of them), and a libstdc++.so.6 loaded
    # later (a third-party plugin, an LD_PRELOAD) bound its facets to ours and broke its
    # iostreams (tests/CMakeLists.txt "startup: torchx exports nothing of its C++ runtime").
    target_link_options(${target} PRIVATE -static-libstdc++ LINKER:-O1 LINKER:--as-needed LINKER:--exclude-libs,ALL)
    torchx_static_libm(${target})
  endif()
endfunction()

# torchx_plugin_static_runtime(<plugin target>): with TORCHX_STATIC_DEPS, link a first-party
# plugin's libstdc++ statically: its own copy, hidden by the plugin's version script and
# --exclude-libs,ALL (torchx_add_plugin; repeated here for targets built without it, the bench
# floor's empty plugin), so the plugin still exports tx_plugin_negotiate alone.
# Why: the host links libstdc++ statically (torchx_link_static_runtime), so the first plugin that
# needs libstdc++.so.6 made the dynamic loader map and relocate all of it (~3.2 M of the ~7.5 M
# instructions of `torchx run -s local_cwd utils.echo`, callgrind; bench/README.md "Plugins with
# their own libstdc++"); a plugin's copy holds only what it uses (--gc-sections drops the rest of
# each file: ~0.9 MiB), at ~1 MiB more per file.
# Safe because nothing C++ crosses the C ABI (exceptions never escape a plugin: ABI rule), the host
# never dlcloses a plugin, libgcc_s stays shared (the one unwinder) and such a plugin links no other
# C++ shared library (tests/CMakeLists.txt "startup: plugin ... needs only ..." then also forbids
# libstdc++.so.6). Only for plugins built here: third-party plugins built with the SDK
# (torchx_add_plugin) keep the shared libstdc++ and work as before.
function(torchx_plugin_static_runtime target)
  if(TORCHX_STATIC_DEPS)
    set_target_properties(${target} PROPERTIES TORCHX_PLUGIN_STATIC_RUNTIME ON)
    target_link_options(${target} PRIVATE -static-libstdc++ LINKER:--exclude-libs,ALL LINKER:--gc-sections)
    torchx_static_libm(${target})
  endif()
endfunction()

# torchx_executable_pie(<executable>): with TORCHX_PIE OFF (the default), link the executable as a
# fixed-address (non-PIE, ELF type EXEC) program. Its objects are the same position-independent
# ones (CMAKE_POSITION_INDEPENDENT_CODE); only the link differs: the dynamic loader then applies
# none of bin/torchx's ~7,400 R_X86_64_RELATIVE relocations and dirties none of its .data.rel.ro
# pages before main (bench/README.md "Start-up", "Non-PIE"). The trade-off: the executable's own
# image is not randomized (ASLR still places the libraries, stack, heap and mmaps); a
# distribution that wants PIE everywhere configures -DTORCHX_PIE=ON. Only for bin/torchx and the
# local supervisor (short-lived, started per command or per app); plugins and
# libtorchx_runtime.so are shared objects and stay PIC. A sanitized or fuzzing build keeps the
# compiler's default (PIE). tests/CMakeLists.txt ("startup: ... ELF type") guards it.
if(TORCHX_SANITIZE OR TORCHX_FUZZ)
  set(TORCHX_PIE ON)
else()
  option(TORCHX_PIE "Link bin/torchx and the local supervisor as position-independent executables" OFF)
endif()
function(torchx_executable_pie target)
  if(NOT TORCHX_PIE)
    target_link_options(${target} PRIVATE -no-pie)
  endif()
endfunction()

add_library(torchx_warnings INTERFACE)
target_compile_options(torchx_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wconversion -Wno-sign-conversion
  # GCC 12 reports false -Wrestrict positives on std::string concatenation at -O2 (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<BOOL:${TORCHX_WARNINGS_AS_ERRORS}>:-Werror>)
