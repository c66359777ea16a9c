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

# Boost 1.81 from Debian (1.74 has no Boost.JSON). DLL and Process are header-only parts of
# Boost::headers; JSON and Program_options are compiled libraries.
find_package(Boost 1.81 REQUIRED COMPONENTS json program_options)
find_package(spdlog 1.10 REQUIRED)
find_package(Threads REQUIRED)

add_library(torchx_warnings INTERFACE)
target_compile_options(torchx_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wconversion -Wno-sign-conversion
  # GCC 12 reports false -Wrestrict positives on std::string concatenation at -O2 (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<BOOL:${TORCHX_WARNINGS_AS_ERRORS}>:-Werror>)
