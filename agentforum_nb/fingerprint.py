"""The default ``agent.version``: a fingerprint of an agent function that is the same in every process.

``code_fingerprint(fn)`` hashes the function's code (bytecode, exception table, argument layout, constants,
names and nested code objects, recursively) and the values it carries with it: its closure cells and its
defaults (positional and keyword-only), by value. It is stable across processes: nothing is ``repr``-ed that
could contain an address, nothing is iterated in hash order, line numbers and file names are left out.

Values are encoded with type tags, length prefixes and, for dicts and sets, sorted digests of their items:

* JSON-like values by value: None, bool, int, float, str (and bytes, complex, Ellipsis), lists, tuples,
  dicts (their key order does not count), sets and frozensets; subclasses of these (named tuples, ...) by
  their type and value; a few stdlib value types (Enum members, ``re.Pattern``, paths, ``Decimal``,
  ``Fraction``, ``UUID``, ``range``, dates and times) by their type and value;
* other values by a stable identity: a function or lambda by its own fingerprint (recursively; a closure may
  capture itself), a bound method by its object and function, a ``functools.partial`` by its function and
  arguments, an ``functools.cache``/``lru_cache`` wrapper by what it wraps, a builtin by its module and name, a
  module by its name, a class by its module and qualname, a ``Message`` by its id, an object with a str
  ``fingerprint`` attribute (the library's models) by that, another agent (anything with str ``name`` and
  ``version`` attributes) by its name and version, an object with no state of its own (``MISSING = object()``)
  by its type.

Anything else cannot be fingerprinted by value: only its type (module and qualname) counts, and a
:class:`VersionWarning` (once per agent function and variable) says so. So does a value too large to hash
(more than ``_MAX_NODES`` items, ``_MAX_BYTES`` of strings or nesting deeper than ``_MAX_DEPTH``).
Globals and the helpers an agent calls through them are not covered: pass ``version=`` to make them count.
"""

from __future__ import annotations
import __future__

import datetime
import decimal
import enum
import fractions
import functools
import hashlib
import pathlib
import re
import sys
import types
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from .errors import UsageError
from .messages import Message

__all__ = ["VersionWarning", "code_fingerprint"]


class VersionWarning(UserWarning):
    """``agent.version`` cannot cover a value an agent function captures or has as a default: only its type
    counts, so agents that differ only in that value share cached responses. Pass ``version=``."""


_MAX_NODES = 100_000  # values (each item, key, element) per closure variable or default
_MAX_BYTES = 32 << 20  # bytes of str/bytes/int payload per closure variable or default
_MAX_DEPTH = 100  # nesting of containers and captured functions

# __future__ imports only change how nested code is compiled (which its bytecode shows); the flags themselves
# are noise, and IPython carries them over from earlier cells, so the same cell would fingerprint differently
# depending on whether a `from __future__ import annotations` cell ran first.
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag

_IMPL = sys.implementation.cache_tag or f"{sys.implementation.name}-{sys.version_info[0]}{sys.version_info[1]}"
_PREFIX = b"agentforum-fingerprint 1\0" + _IMPL.encode() + b"\0"

_warned: set[tuple[str, str, str]] = set()  # (module, qualname, variable): warn once each


class _TooBig(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Unknown:
    """A value found with no stable fingerprint (the first one per variable is reported)."""

    __slots__ = ("path", "type_name")

    def __init__(self, path: Any, type_name: str) -> None:
        self.path = path
        self.type_name = type_name


def _n(h: Any, k: int) -> None:
    h.update(k.to_bytes(8, "little", signed=True))


def _text(h: Any, tag: bytes, s: str) -> None:
    n = len(s)
    if n <= 4096:
        h.update(tag + n.to_bytes(8, "little") + s.encode("utf-8", "surrogatepass"))
        return
    h.update(tag + n.to_bytes(8, "little"))
    step = 1 << 20
    for i in range(0, n, step):  # by code points; surrogatepass encodes each lone surrogate on its own
        h.update(s[i : i + step].encode("utf-8", "surrogatepass"))


def _blob(h: Any, tag: bytes, b: bytes) -> None:
    h.update(tag + len(b).to_bytes(8, "little") + b)


def _str_attr(obj: Any, name: str) -> str | None:
    try:
        v = getattr(obj, name, None)
    except Exception:
        return None
    return v if type(v) is str else None


def _type_name(t: Any) -> str:
    mod = _str_attr(t, "__module__") or "?"
    qn = _str_attr(t, "__qualname__") or _str_attr(t, "__name__") or "?"
    return qn if mod == "builtins" else f"{mod}.{qn}"


def _type_id(h: Any, t: Any) -> None:
    _text(h, b"y", _str_attr(t, "__module__") or "?")
    _text(h, b"y", _str_attr(t, "__qualname__") or _str_attr(t, "__name__") or "?")


def _scalar(h: Any, obj: Any, t: type) -> bool:
    """Encode a scalar of an exact builtin type; False if ``obj`` is not one."""
    if obj is None:
        h.update(b"N")
    elif t is bool:
        h.update(b"T" if obj else b"F")
    elif t is int:
        _blob(h, b"i", hex(obj).encode())  # hex: no int-to-str digit limit, same in every process
    elif t is float:
        _blob(h, b"f", obj.hex().encode())
    elif t is str:
        _text(h, b"s", obj)
    elif t is bytes:
        _blob(h, b"b", obj)
    elif t is bytearray:
        _blob(h, b"B", bytes(obj))
    elif t is complex:
        _blob(h, b"c", (obj.real.hex() + "," + obj.imag.hex()).encode())
    elif obj is Ellipsis:
        h.update(b"E")
    elif obj is NotImplemented:
        h.update(b"I")
    else:
        return False
    return True


class _Sink(list[bytes]):
    """Collects an item's encoding (for sorting); ``key()``: the bytes, or a digest of long ones."""

    update = list.append

    def key(self) -> bytes:
        b = b"".join(self)
        if len(b) <= 256:
            return b"\0" + len(b).to_bytes(2, "little") + b
        return b"\1" + hashlib.sha256(b).digest()


def _isoformat(x: datetime.date | datetime.time) -> str:
    return x.isoformat()


def _timedelta(x: datetime.timedelta) -> str:
    return f"{x.days},{x.seconds},{x.microseconds}"


_VALUE_TYPES: dict[type, Callable[[Any], Any]] = {
    re.Pattern: lambda p: (p.pattern, p.flags),
    decimal.Decimal: str,
    fractions.Fraction: str,
    uuid.UUID: str,
    range: lambda r: (r.start, r.stop, r.step),
    datetime.date: _isoformat,
    datetime.datetime: _isoformat,
    datetime.time: _isoformat,
    datetime.timedelta: _timedelta,
    datetime.timezone: lambda z: (_timedelta(z.utcoffset(None)), z.tzname(None)),
}
for _path_type in (
    pathlib.PurePath,
    pathlib.PurePosixPath,
    pathlib.PureWindowsPath,
    pathlib.Path,
    pathlib.PosixPath,
    pathlib.WindowsPath,
):
    _VALUE_TYPES[_path_type] = str

_BUILTIN_CALLABLES = (
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.MethodWrapperType,
    types.ClassMethodDescriptorType,
)
_LRU_WRAPPER = type(functools.lru_cache()(lambda: None))
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class defined in Python (no hidden C-level state)


def _stateless(obj: Any, t: type) -> bool:
    """An instance with no state of its own: of ``object`` itself, or of Python classes without ``__slots__``
    (and without C bases other than ``object``) with an empty ``__dict__``."""
    if t is object:
        return True
    try:
        mro = t.__mro__
        if mro[-1] is not object:
            return False
        for k in mro[:-1]:
            if not k.__flags__ & _HEAPTYPE or "__slots__" in k.__dict__:
                return False
        return not object.__getattribute__(obj, "__dict__")
    except Exception:
        return False


_BASES = (int, float, complex, str, bytes, bytearray, tuple, list, dict, set, frozenset)


def _as_base(obj: Any) -> Any:
    """The value of an instance of a subclass of a builtin type as that exact type, without calling any
    method the subclass may override."""
    if isinstance(obj, int):
        return int.__index__(obj)
    if isinstance(obj, float):
        return float.__float__(obj)
    if isinstance(obj, complex):
        return complex.__complex__(obj)
    if isinstance(obj, str):
        return str.__getitem__(obj, slice(None))
    if isinstance(obj, bytes):
        return bytes.__getitem__(obj, slice(None))
    if isinstance(obj, bytearray):
        return bytearray.copy(obj)
    if isinstance(obj, tuple):
        return tuple.__getitem__(obj, slice(None))
    if isinstance(obj, list):
        return list.copy(obj)
    if isinstance(obj, dict):
        return dict(dict.items(obj))
    if isinstance(obj, set):
        return set.copy(obj)
    return frozenset.copy(obj)


class _Encoder:
    def __init__(self) -> None:
        self.active: dict[int, int] = {}  # id -> position on the current path (containers and functions)
        self.codes: dict[int, tuple[types.CodeType, bytes]] = {}
        self.nodes = 0
        self.nbytes = 0
        self.unknown: list[_Unknown] = []
        self.reports: list[tuple[str, str, str]] = []  # (variable description, variable, reason)

    # -- code objects ------------------------------------------------------------------------------------

    def code_digest(self, code: types.CodeType) -> bytes:
        hit = self.codes.get(id(code))
        if hit is not None and hit[0] is code:
            return hit[1]
        h = hashlib.sha256(b"C")
        # co_code is the unspecialised bytecode (the adaptive interpreter's quickening does not show);
        # line numbers, file name and the function's own name are left out on purpose
        for b in (code.co_code, getattr(code, "co_exceptiontable", b"")):
            _blob(h, b"b", bytes(b))
        for i in (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags & ~_FUTURE_FLAGS):
            _n(h, i)
        for names in (code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars):
            _n(h, len(names))
            for s in names:
                _text(h, b"s", str(s))
        _n(h, len(code.co_consts))
        for c in code.co_consts:
            self.const(h, c)
        d = h.digest()
        self.codes[id(code)] = (code, d)
        return d

    def const(self, h: Any, c: Any) -> None:
        t = type(c)
        if t is types.CodeType:
            h.update(b"C")
            h.update(self.code_digest(c))
        elif _scalar(h, c, t):
            pass
        elif t is tuple:
            h.update(b"t")
            _n(h, len(c))
            for x in c:
                self.const(h, x)
        elif t is frozenset:  # `x in {"a", "b"}` compiles to one; its order varies with hash randomization
            h.update(b"Z")
            self.sorted_digests(h, c, self.const)
        else:  # only synthetic code objects hold other constants
            h.update(b"?")
            _type_id(h, t)

    def sorted_digests(self, h: Any, items: Any, enc: Callable[[Any, Any], None]) -> None:
        """Items in the order of their encodings: the same whatever the (hash-dependent) iteration order."""
        keys = []
        for x in items:
            sink = _Sink()
            enc(sink, x)
            keys.append(sink.key())
        keys.sort()
        _n(h, len(keys))
        for k in keys:
            h.update(k)

    # -- values --------------------------------------------------------------------------------------------

    def value(self, h: Any, obj: Any, path: Any, depth: int) -> None:
        t = type(obj)
        self.nodes += 1
        if self.nodes > _MAX_NODES:
            raise _TooBig(f"more than {_MAX_NODES} values")
        if t is str or t is int or t is bytes or t is bytearray:  # the common case first
            self.nbytes += len(obj) if t is not int else obj.bit_length() >> 2
            if self.nbytes > _MAX_BYTES:
                raise _TooBig(f"more than {_MAX_BYTES >> 20} MiB of data")
            if t is str:
                _text(h, b"s", obj)
            else:
                _scalar(h, obj, t)
            return
        if _scalar(h, obj, t):
            return
        if depth > _MAX_DEPTH:
            raise _TooBig(f"nested more than {_MAX_DEPTH} levels deep")
        if t in (list, tuple, dict, set, frozenset) or t is types.FunctionType:
            self.guarded(h, obj, t, path, depth)
            return
        if isinstance(obj, types.MethodType):
            h.update(b"M")
            self.value(h, obj.__self__, (path, ".__self__"), depth + 1)
            self.value(h, obj.__func__, (path, ".__func__"), depth + 1)
            return
        if isinstance(obj, _BUILTIN_CALLABLES):
            h.update(b"X")
            owner = getattr(obj, "__objclass__", None)
            _text(h, b"s", _str_attr(obj, "__module__") or (_type_name(owner) if owner is not None else "?"))
            _text(h, b"s", _str_attr(obj, "__qualname__") or _str_attr(obj, "__name__") or "?")
            bound = getattr(obj, "__self__", None)
            if bound is None or isinstance(bound, types.ModuleType):
                h.update(b"N")
            else:  # a bound builtin method: `[].append`, `"x".format`
                self.value(h, bound, (path, ".__self__"), depth + 1)
            return
        if isinstance(obj, functools.partial):
            h.update(b"P")
            self.value(h, obj.func, (path, ".func"), depth + 1)
            self.value(h, obj.args, (path, ".args"), depth + 1)
            self.value(h, obj.keywords, (path, ".keywords"), depth + 1)
            return
        if isinstance(obj, types.ModuleType):
            _text(h, b"m", _str_attr(obj, "__name__") or "?")
            return
        if isinstance(obj, type):
            h.update(b"k")
            _type_id(h, obj)
            return
        if isinstance(obj, enum.Enum):
            h.update(b"e")
            _type_id(h, t)
            _text(h, b"s", str(obj.name))
            return
        enc = _VALUE_TYPES.get(t)
        if enc is not None:
            h.update(b"v")
            _type_id(h, t)
            self.value(h, enc(obj), path, depth + 1)
            return
        if isinstance(obj, _BASES) and not getattr(obj, "__dict__", None):
            # a subclass without instance state (a named tuple, an OrderedDict, a str subclass): its type and
            # its value as the base type, read through the base type's own methods (overrides do not count)
            key = id(obj)
            seen = self.active.get(key)
            if seen is not None:
                h.update(b"R")
                _n(h, seen)
                return
            self.active[key] = len(self.active)
            try:
                h.update(b"u")
                _type_id(h, t)
                if isinstance(obj, defaultdict):
                    self.value(h, obj.default_factory, (path, ".default_factory"), depth + 1)
                self.value(h, _as_base(obj), path, depth + 1)
            finally:
                del self.active[key]
            return
        if t is Message:  # content-addressed: its id is its value
            h.update(b"m")
            _text(h, b"s", obj.id)
            return
        fp = _str_attr(obj, "fingerprint")
        if fp is not None:
            h.update(b"p")
            _type_id(h, t)
            _text(h, b"s", fp)
            return
        name, version = _str_attr(obj, "name"), _str_attr(obj, "version")
        if name is not None and version is not None:  # another agent
            h.update(b"a")
            _text(h, b"s", name)
            _text(h, b"s", version)
            return
        if t is _LRU_WRAPPER:  # @functools.cache / lru_cache: the function it wraps
            h.update(b"L")
            self.value(h, getattr(obj, "__wrapped__", None), (path, ".__wrapped__"), depth + 1)
            return
        if _stateless(obj, t):  # `MISSING = object()`, `class Sentinel: pass`: its type is all there is
            h.update(b"o")
            _type_id(h, t)
            return
        h.update(b"?")
        _type_id(h, t)
        self.unknown.append(_Unknown(path, _type_name(t)))

    def guarded(self, h: Any, obj: Any, t: type, path: Any, depth: int) -> None:
        """A container or function: a back reference if it is already on the path (recursive values)."""
        key = id(obj)
        seen = self.active.get(key)
        if seen is not None:
            h.update(b"R")
            _n(h, seen)
            return
        self.active[key] = len(self.active)
        try:
            if t is types.FunctionType:
                self.function(h, obj, path, depth)
            elif t is list or t is tuple:
                h.update(b"l" if t is list else b"t")
                _n(h, len(obj))
                for i, x in enumerate(obj):
                    self.value(h, x, (path, i), depth + 1)
            elif t is dict:
                pairs = []
                for k, v in obj.items():
                    sk, sv = _Sink(), _Sink()
                    self.value(sk, k, (path, "<key>"), depth + 1)
                    self.value(sv, v, (path, (k,)), depth + 1)
                    pairs.append((sk.key(), sv.key()))
                pairs.sort()  # key order does not count (canonical, like sorted-key JSON)
                h.update(b"d")
                _n(h, len(pairs))
                for dk, dv in pairs:
                    h.update(dk)
                    h.update(dv)
            else:
                h.update(b"S" if t is set else b"Z")
                self.sorted_digests(h, obj, lambda sub, x: self.value(sub, x, (path, "{...}"), depth + 1))
        finally:
            del self.active[key]

    def function(self, h: Any, fn: Any, path: Any, depth: int, top: bool = False) -> None:
        h.update(b"F")
        h.update(self.code_digest(fn.__code__))
        for kind, name, get in _variables(fn):
            if top:
                self.top_variable(h, kind, name, get)
                continue
            h.update(kind.encode())
            _text(h, b"s", name)
            try:
                v = get()
            except ValueError:  # an empty cell: a variable not assigned yet
                h.update(b"0")
                continue
            self.value(h, v, (path, f".{name}" if kind == "c" else f"({name}=)"), depth + 1)

    def top_variable(self, h: Any, kind: str, name: str, get: Callable[[], Any]) -> None:
        """One closure cell or default of the agent function, with its own budget; on any trouble only its
        type counts, and the trouble is reported."""
        self.nodes = self.nbytes = 0
        self.unknown = []
        sub = hashlib.sha256()
        reason = None
        try:
            v = get()
        except ValueError:
            sub.update(b"0")
        except Exception as e:  # pragma: no cover - a cell-like object that misbehaves
            sub.update(b"!")
            reason = f"reading it failed with {type(e).__name__}"
        else:
            try:
                self.value(sub, v, None, 1)
            except _TooBig as e:
                reason = f"its value (type {_type_name(type(v))}) is too large to fingerprint ({e.reason})"
            except RecursionError:
                reason = f"its value (type {_type_name(type(v))}) is nested too deeply to fingerprint"
            except Exception as e:
                reason = (
                    f"its value (type {_type_name(type(v))}) could not be fingerprinted "
                    f"({type(e).__name__}: {_short(str(e))})"
                )
            if reason is not None:
                sub = hashlib.sha256(b"!")
                _type_id(sub, type(v))
            elif self.unknown:
                u = self.unknown[0]
                where = "its value" if u.path is None else _format_path(name, u.path)
                reason = f"{where} (type {u.type_name}) has no stable fingerprint"
        h.update(kind.encode())
        _text(h, b"s", name)
        h.update(sub.digest())
        if reason is not None:
            self.reports.append((_describe(kind, name), name, reason))


def _variables(fn: Any) -> list[tuple[str, str, Callable[[], Any]]]:
    """(kind, name, getter) for a function's positional defaults ("d"), keyword-only defaults ("k") and
    closure cells ("c"), in a deterministic order."""
    code = fn.__code__
    out: list[tuple[str, str, Callable[[], Any]]] = []
    defaults = getattr(fn, "__defaults__", None)
    if type(defaults) is tuple and defaults:
        params = code.co_varnames[: code.co_argcount]
        names = params[len(params) - len(defaults) :] if len(defaults) <= len(params) else ()
        for i, v in enumerate(defaults):
            out.append(("d", str(names[i]) if names else f"#{i}", _constant(v)))
    kw = getattr(fn, "__kwdefaults__", None)
    if type(kw) is dict:
        for k, v in sorted(kw.items(), key=lambda kv: str(kv[0])):
            out.append(("k", str(k), _constant(v)))
    closure = getattr(fn, "__closure__", None)
    if type(closure) is tuple:
        for name, cell in zip(code.co_freevars, closure, strict=True):
            out.append(("c", str(name), _cell_reader(cell)))
    return out


def _constant(v: Any) -> Callable[[], Any]:
    """A getter of ``v`` (binds the current value, unlike a lambda closing over a loop variable)."""
    return lambda: v


def _cell_reader(cell: Any) -> Callable[[], Any]:
    """A getter of a closure cell's contents (read lazily: an empty cell raises ValueError when read)."""
    return lambda: cell.cell_contents


def _describe(kind: str, name: str) -> str:
    if kind == "c":
        return f"closure variable {name!r}"
    if kind in ("d", "k"):
        return f"the default of parameter {name!r}"
    if kind == "s":
        return "the bound object 'self'"
    if kind == "a":
        return f"partial argument {name}"
    return f"partial keyword argument {name!r}"


def _short(s: str, n: int = 60) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _subscript(k: Any) -> str:
    if type(k) in (str, int, bool, float) or k is None:
        return f"[{_short(repr(k), 40)}]"
    return "[...]"


def _format_path(root: str, path: Any) -> str:
    parts: list[str] = []
    while path is not None:
        path, frag = path
        parts.append(f"[{frag}]" if type(frag) is int else _subscript(frag[0]) if type(frag) is tuple else frag)
    return root + "".join(reversed(parts))


def _user_stacklevel() -> int:
    """The stacklevel of the first caller outside agentforum_nb, for the caller of this function."""
    level = 1
    f: types.FrameType | None = sys._getframe(1)
    while f is not None and str(f.f_globals.get("__name__", "")).split(".")[0] == "agentforum_nb":
        f, level = f.f_back, level + 1
    return level


def _top(enc: _Encoder, h: Any, fn: Any) -> None:
    if isinstance(fn, types.MethodType):
        h.update(b"M")
        enc.top_variable(h, "s", "self", lambda: fn.__self__)
        _top(enc, h, fn.__func__)
    elif isinstance(fn, functools.partial):
        h.update(b"P")
        for i, a in enumerate(fn.args):
            enc.top_variable(h, "a", f"args[{i}]", _constant(a))
        for k, v in sorted(fn.keywords.items()):
            enc.top_variable(h, "w", str(k), _constant(v))
        _top(enc, h, fn.func)
    elif isinstance(getattr(fn, "__code__", None), types.CodeType):
        enc.active[id(fn)] = len(enc.active)
        try:
            enc.function(h, fn, None, 0, top=True)
        finally:
            del enc.active[id(fn)]
    else:
        raise UsageError(f"cannot fingerprint {fn!r}: pass version= to @af.agent")


def _innermost(fn: Any) -> Any:
    for _ in range(100):
        if isinstance(fn, types.MethodType):
            fn = fn.__func__
        elif isinstance(fn, functools.partial):
            fn = fn.func
        else:
            break
    return fn


def code_fingerprint(fn: Callable[..., Any]) -> str:
    """``"code:"`` and 16 hex digits: a fingerprint of ``fn`` that is the same in every process.

    It covers the function's code (bytecode, constants, names, argument layout and nested functions,
    recursively) and its closure cells and defaults, by value (see the module docstring for which values
    count how). Globals and helpers it calls through them are not covered: pass ``version=`` to make them
    count. A captured value that cannot be fingerprinted counts by its type only and gives a
    :class:`VersionWarning`, once per function and variable. Raises :class:`UsageError` for a callable without
    code (a builtin, a callable object).
    """
    enc = _Encoder()
    h = hashlib.sha256(_PREFIX)
    _top(enc, h, fn)
    if enc.reports:
        inner = _innermost(fn)
        label = _str_attr(inner, "__qualname__") or _str_attr(inner, "__name__") or _type_name(type(inner))
        module = _str_attr(inner, "__module__") or "?"
        for what, _name, reason in enc.reports:
            key = (module, label, what)
            if key in _warned:
                continue
            _warned.add(key)
            warnings.warn(
                f"cannot fingerprint {what} of agent function {label!r}: {reason}, so only its type "
                f"counts and agents that differ only in it share cached responses; pass version= to "
                f"@af.agent to make it count",
                VersionWarning,
                stacklevel=_user_stacklevel(),
            )
    return "code:" + h.hexdigest()[:16]
