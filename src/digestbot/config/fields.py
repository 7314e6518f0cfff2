"""Typed, defaulted, validated settings sections, declared as annotated class attributes.

Every command reads the settings before it does anything, so reading them must cost
next to nothing: pydantic-settings took 165 ms of a command's start, this takes well
under one. A section validates everything it is given and reports every problem at
once, each with its dotted name, so one run of `config check` shows them all.

A section's annotations are evaluated (the modules declaring sections do not postpone
them): a field's type is `str`, `int`, `float`, `bool`, `list[str]`, a Section, a list
of a Section (TOML's `[[tables]]`), a dict of a Section (TOML's `[name."key"]`), or a
union such as `int | str` for a setting that is a number or a word
(`concurrency = "auto"`).
Paths are text, so that reading the settings needs no pathlib.
"""

from __future__ import annotations

from types import GenericAlias, UnionType

TYPE_CHECKING = False  # typing costs start-up time; only type checkers need it here
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar

    Check = Callable[[Any], str | None]  # a problem with the converted value, or None


class Rule:
    """A field's default and its constraints."""

    __slots__ = ("check", "choices", "default", "ge", "gt", "le", "words")

    def __init__(
        self,
        default: Any,
        *,
        ge: float | None = None,
        gt: float | None = None,
        le: float | None = None,
        choices: tuple[str, ...] = (),
        check: Check | None = None,
        words: bool = False,
    ) -> None:
        self.default, self.ge, self.gt, self.le = default, ge, gt, le
        self.choices, self.check = choices, check
        self.words = words  # a list of text that may also be written as "a, b, c"


def field(default: Any, **rules: Any) -> Any:
    """A field with constraints: `ge`, `gt`, `le`, `choices`, `check`, `words`."""
    return Rule(default, **rules)


class Problems(Exception):
    """The problems found in a section, as (dotted name, what is wrong)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


class Section:
    """A frozen group of settings. Subclasses declare `name: type = default | field(...)`."""

    _fields: ClassVar[dict[str, tuple[Any, Rule]]] = {}

    def __init_subclass__(cls) -> None:
        cls._fields = {}
        # inspect.get_annotations would cost start-up time: the class's own dict is enough.
        for name, kind in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
            declared = cls.__dict__.get(name)
            rule = declared if isinstance(declared, Rule) else Rule(declared)
            cls._fields[name] = (kind, rule)
            setattr(cls, name, rule.default)

    def __init__(self, **values: Any) -> None:
        problems: list[tuple[str, str]] = []
        for name in values.keys() - self._fields.keys():
            problems.append((name, _unknown(name, self._fields)))
        for name, (kind, rule) in self._fields.items():
            if name not in values:
                continue
            try:
                given = values[name]
                if rule.words and isinstance(given, str):
                    given = [word.strip() for word in given.split(",") if word.strip()]
                value = _convert(kind, given, name)
            except Problems as nested:
                problems += nested.problems
                continue
            if problem := _violation(rule, value):
                problems.append((name, problem))
            else:
                object.__setattr__(self, name, value)
        if not problems:
            problems += [("", p) for p in self.problems()]
        if problems:
            raise Problems(sorted(problems))

    def problems(self) -> list[str]:
        """Rules that involve several fields; override where a section has some."""
        return []

    @classmethod
    def key_problem(cls, key: str) -> str | None:
        """What is wrong with `key` naming a table of this section, as in [name."key"]."""
        return None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are read-only ({type(self).__name__}.{name})")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.as_dict() == other.as_dict()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.as_dict()!r})"

    def as_dict(self) -> dict[str, Any]:
        """The values as TOML would write them, sections as tables."""
        return {name: _plain(getattr(self, name)) for name in self._fields}

    @classmethod
    def kind_of(cls, name: str) -> Any:
        """The type of the field `name`, or None if there is no such field."""
        return cls._fields[name][0] if name in cls._fields else None

    @classmethod
    def from_env(cls, name: str, text: str) -> Any:
        """A field's value from the text of an environment variable."""
        kind = cls._fields[name][0]
        if kind is bool:
            word = text.strip().lower()
            if word in ("1", "true", "yes", "on"):
                return True
            if word in ("0", "false", "no", "off"):
                return False
            return text
        if kind in (int, float) or (isinstance(kind, UnionType) and int in kind.__args__):
            try:
                return (float if kind is float else int)(text.strip())
            except ValueError:
                return text
        if isinstance(kind, GenericAlias):  # a list: a JSON array, or words and commas
            if text.lstrip().startswith(("[", "{")):  # {...}: a table of tables, as JSON
                import json

                try:
                    return json.loads(text)
                except ValueError:
                    return text
            return [word.strip() for word in text.split(",") if word.strip()]
        return text


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value.as_dict() if isinstance(value, Section) else value


def _is_section(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Section)


def _tables(kind: type[Section], value: Any, name: str) -> list[Section]:
    """A list of tables, each a `kind`; a problem names the table as `name #n`
    (counted from 1, as a person counts the file's [[name]] tables)."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise Problems([(name, f"must be a list of tables: [[{name}]] in TOML")])
    tables, problems = [], []
    for number, table in enumerate(value, 1):
        try:
            tables.append(kind(**table))
        except Problems as nested:
            problems += [(_join(f"{name} #{number}", key), why) for key, why in nested.problems]
    if problems:
        raise Problems(problems)
    return tables


_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _convert(kind: Any, value: Any, name: str) -> Any:
    """`value` as `kind`, or Problems naming what was expected."""
    if _is_section(kind):
        if not isinstance(value, dict):
            raise Problems([(name, "must be a table of settings")])
        try:
            return kind(**value)
        except Problems as nested:
            raise Problems([(_join(name, key), why) for key, why in nested.problems]) from None
    if isinstance(kind, GenericAlias) and _is_section(kind.__args__[-1]):
        if kind.__origin__ is dict:  # [name."key"] tables
            return _keyed_tables(kind.__args__[-1], value, name)
        return _tables(kind.__args__[0], value, name)  # [[name]] tables
    if isinstance(kind, GenericAlias):  # list[str]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Problems([(name, f'must be a list of text, like ["a", "b"] (got {value!r})')])
        return list(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(kind, UnionType):  # a word or a number, like concurrency = "auto" or 4
        if type(value) not in kind.__args__:
            kinds = " or ".join(_TYPE_NAMES[k] for k in kind.__args__)
            if kind == int | str:
                kinds = "a word or a number"
            raise Problems([(name, f"must be {kinds} (got {value!r})")])
        return value
    if type(value) is not kind:
        raise Problems([(name, f"must be {_TYPE_NAMES[kind]} (got {value!r})")])
    return value


def _keyed_tables(kind: type[Section], value: Any, name: str) -> dict[str, Section]:
    """Tables named by their keys (TOML's [name."key"]), each a `kind`; a problem names
    the table as `name."key"`. The section's `key_problem(key)` checks the keys."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise Problems([(name, f'must be tables of settings: [{name}."<key>"] in TOML')])
    tables, problems = {}, []
    for key, table in value.items():
        where = f'{name}."{key}"'
        if problem := kind.key_problem(key):
            problems.append((where, problem))
            continue
        try:
            tables[key] = kind(**table)
        except Problems as nested:
            problems += [(_join(where, k), why) for k, why in nested.problems]
    if problems:
        raise Problems(problems)
    return tables


def _violation(rule: Rule, value: Any) -> str | None:
    if rule.ge is not None and value < rule.ge:
        return f"must be at least {rule.ge:g} (got {value!r})"
    if rule.gt is not None and value <= rule.gt:
        return f"must be more than {rule.gt:g} (got {value!r})"
    if rule.le is not None and value > rule.le:
        return f"must be at most {rule.le:g} (got {value!r})"
    if rule.choices and value not in rule.choices:
        return f"must be one of {', '.join(rule.choices)} (got {value!r})"
    return rule.check(value) if rule.check else None


def _unknown(name: str, known: dict[str, Any]) -> str:
    from difflib import get_close_matches

    guess = get_close_matches(name, list(known), n=1)
    return "unknown setting" + (f" (did you mean {guess[0]}?)" if guess else "")


def _join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if key else parent
