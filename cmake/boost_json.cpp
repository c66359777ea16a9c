// SPDX-License-Identifier: BSD-3-Clause
// Boost.JSON's implementation, compiled once into torchx_boost_json_impl (cmake/TorchxBuild.cmake):
// the documented header-only way to use Boost.JSON without its shared library. Exactly one
// translation unit of a program or plugin may include <boost/json/src.hpp>; this is it.
#include <boost/json/src.hpp>
