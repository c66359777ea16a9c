// SPDX-License-Identifier: BSD-3-Clause
// The runner's typed errors (named after TorchX's exceptions).
#pragma once

#include <torchx/specs/errors.hpp>

namespace torchx::runner {

/// A scheduler name no plugin provides ("unknown scheduler 'slurn': did you mean 'slurm'?").
class UnknownSchedulerError : public specs::Error {
public:
  using specs::Error::Error;
};

/// A component name no plugin provides.
class ComponentNotFoundError : public specs::Error {
public:
  using specs::Error::Error;
};

/// A component that failed to build its AppDef: a Python component raised (the message starts
/// with `file:line:`), or its evaluator could not be started, died or answered nonsense.
class ComponentError : public specs::Error {
public:
  using specs::Error::Error;
};

/// Component arguments that do not match the component's signature (a usage error).
class ComponentArgsError : public specs::Error {
public:
  using specs::Error::Error;
};

/// A tracker name no plugin provides ("unknown tracker 'fiel': did you mean 'file'?"), or no
/// tracker configured where one is needed.
class UnknownTrackerError : public specs::Error {
public:
  using specs::Error::Error;
};

/// A workspace that is not an existing directory ("workspace '/x': does not exist").
class WorkspaceError : public specs::Error {
public:
  using specs::Error::Error;
};

/// An app the scheduler does not know (never existed, or purged).
class UnknownAppError : public specs::Error {
public:
  using specs::Error::Error;
};

}  // namespace torchx::runner
