"""Custom report templates (`--template-dir`) are a certification body's files, run as untrusted code.

  * confined: a template is read from its folder only, by the bounded reader; a symbolic link that leads
    out of the folder is refused (it could show any file on the machine in a report);
  * immutable: jinja2's ImmutableSandboxedEnvironment, so a template can change neither the shared message
    catalogue nor the view it is given (no `t.report.update(...)`, no `list.append`);
  * bounded: the lines of template code run and the characters written are counted, a render stops after
    MAX_STEPS steps or MAX_OUTPUT characters, and an operation that would build a huge value at once
    (`"x" * 10**9`, `2 ** 10**9`, `"%0999999999d" % 1`, `"a".ljust(10**9)`) is refused before it runs.
A template that goes past a limit, or cannot be read, fails with a TemplateRefused (a jinja2 TemplateError whose
words are the catalogue's `sandbox` group), which the report turns into a ReportError saying it in zh or en.
"""
from __future__ import annotations

import functools
import os
import re
import sys

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..errors import Worded
from ..inputs import InputError, exists, read_file

MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_STEPS = 2_000_000          # lines of template code run in one render
MAX_OUTPUT = 20 * 1024 * 1024  # characters of one report
MAX_SIZE = 100_000             # items or characters one operation may make; widths and exponents alike
_WIDE_FORMAT = re.compile(r"\d{6,}")   # a width or precision of 100,000 or more in a format string


class TemplateRefused(Worded, SecurityError):
    """A template file the sandbox will not read, or a render it stops at a limit; said in the catalogue's
    `sandbox` group. A SecurityError, so jinja2 and the report treat it as one of their own."""
    group = "sandbox"


class FolderLoader(jinja2.BaseLoader):
    """Templates from one folder, read by the bounded reader and never from outside it."""

    def __init__(self, folder: str):
        self.folder = folder

    def get_source(self, environment, template):
        path = os.path.join(self.folder, *split_template_path(template))   # refuses `..`
        if not exists(path):
            raise jinja2.TemplateNotFound(template)
        try:
            source = read_file(path, max_bytes=MAX_TEMPLATE_BYTES, what="template",
                               within=self.folder).decode("utf-8")
        except InputError as error:
            raise TemplateRefused("unreadable", name=template, reason=error.reason) from None
        except UnicodeDecodeError:
            raise TemplateRefused("not_utf8", name=template) from None
        return source, path, lambda: True   # the environment is built once per process, like the shipped one


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with limits on work and size (see the module's description)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options):
        super().__init__(**options)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja2's own signature
        _refuse_large(args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value):
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:   # "{:>999999999}".format: the format string is the method's own text
            _refuse_wide_format(value.__self__)
        return wrapped

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(times, int) \
                        and len(sequence) * times > MAX_SIZE:
                    raise TemplateRefused("too_big", limit=MAX_SIZE)
        elif operator == "**":
            if isinstance(right, int) and abs(right) > 1000 or isinstance(left, int) and abs(left) > MAX_SIZE:
                raise TemplateRefused("power")
        elif operator == "%" and isinstance(left, str):
            _refuse_wide_format(left)
        return super().call_binop(context, operator, left, right)

    def render(self, template: jinja2.Template, context: dict) -> str:
        """`template` rendered within the limits: MAX_STEPS lines of template code run, MAX_OUTPUT characters.

        Steps are counted by a trace function on the frames of this environment's compiled templates only
        (a loop over a long string calls nothing and writes nothing, yet runs its lines), for this thread.
        """
        steps = 0

        def count(frame, event, arg):
            nonlocal steps
            steps += 1
            if steps > MAX_STEPS:
                raise TemplateRefused("steps", limit=MAX_STEPS)
            return count

        def calls(frame, event, arg):
            return count if frame.f_globals.get("environment") is self else None

        parts, size = [], 0
        previous = sys.gettrace()
        sys.settrace(calls)
        try:
            for part in template.generate(context):
                size += len(part)
                if size > MAX_OUTPUT:
                    raise TemplateRefused("too_long", limit=MAX_OUTPUT)
                parts.append(part)
        except RecursionError:
            raise TemplateRefused("recursion") from None
        finally:
            sys.settrace(previous)
        return "".join(parts)


def _refuse_large(args, kwargs) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise TemplateRefused("number", limit=MAX_SIZE)


def _refuse_wide_format(text: str) -> None:
    if _WIDE_FORMAT.search(text):
        raise TemplateRefused("wide_format")


def _bounded_filter(name: str, function):
    """A filter that refuses huge widths and counts (`center(10**9)`, `"%099999999d"|format`) before running."""
    skip = 2 if hasattr(function, "jinja_pass_arg") else 1   # the context or environment, then the value

    @functools.wraps(function)   # keeps jinja2's pass_context/pass_environment mark
    def bounded(*args, **kwargs):
        _refuse_large(args[skip:], kwargs)
        if name == "format" and len(args) >= skip and isinstance(args[skip - 1], str):
            _refuse_wide_format(args[skip - 1])
        return function(*args, **kwargs)
    return bounded
