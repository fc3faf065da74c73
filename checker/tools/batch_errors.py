"""What stops a batch: inputs it cannot start from, a folder another batch holds (BatchError), a worker process
that ended while scoring (WorkerEnded). Each says it in zh and en through the catalogue."""
from __future__ import annotations

import signal

from ..catalogue import fill, messages
from ..errors import CarbonCheckError, Worded


class BatchError(Worded, ValueError):
    """The batch cannot start as asked (no inputs, the folder taken); the message says why, in zh and en: the
    catalogue's `batch` text `key`, filled with its data (a value may be {"zh": …, "en": …})."""
    group = "batch"


class WorkerEnded(CarbonCheckError):
    """A worker process ended while scoring: killed from outside (out of memory, an operator) or crashed. The
    batch stops; what was recorded is kept and the same command run again resumes (`run` fills in how much)."""

    # What a signal that ends a worker usually means: the catalogue's explanation of each kind.
    KINDS = {"SIGKILL": "killed", "SIGTERM": "stopped", "SIGINT": "stopped", "SIGHUP": "stopped",
             "SIGQUIT": "stopped", "SIGXCPU": "limit", "SIGXFSZ": "limit", "SIGSEGV": "crashed",
             "SIGBUS": "crashed", "SIGILL": "crashed", "SIGFPE": "crashed", "SIGABRT": "crashed", "SIGSYS": "crashed"}
    SHOWN = 5   # of the applications it held, named in the message

    def __init__(self, code: int | None, held: list[str]):
        self.code, self.held, self.done, self.total, self.out = code, held, 0, 0, ""
        try:   # multiprocessing gives a process ended by signal N the exit code -N
            self.signal = signal.Signals(-code).name if code is not None and code < 0 else None
        except ValueError:
            self.signal = f"{-code}"
        super().__init__(f"a worker process ended while scoring ({self.signal or f'exit code {code}'})")

    @property
    def crashed(self) -> bool:
        """Whether the worker crashed (a fault to report), rather than being ended from outside."""
        return self.KINDS.get(self.signal) == "crashed"

    def message(self, lang: str = "en") -> str:
        words = messages(lang)["worker"]
        parts = [fill(words["signal"], signal=self.signal) if self.signal else fill(words["exit"], code=self.code)]
        if self.signal in self.KINDS:
            parts.append(words[self.KINDS[self.signal]])
        if self.held:
            shown = messages(lang)["punct"]["comma"].join(self.held[:self.SHOWN])
            shown += " …" if len(self.held) > self.SHOWN else ""
            parts.append(fill(words["held_one" if len(self.held) == 1 else "held"], count=len(self.held), sources=shown))
        parts.append(fill(words["kept"], done=self.done, total=self.total, out=self.out))
        return "\n".join(parts)
