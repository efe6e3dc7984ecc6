"""One ``__repr__`` for the frozen dataclasses of the vocabulary and the fact model, written once.

``@dataclass`` generates each class's ``__repr__`` from source text it compiles while the class is made:
one of the four to six functions every class costs at every start (a small check defines ~40 such classes
before it reads a byte). A class declared ``@dataclass(..., repr=False)`` that inherits :class:`FieldsRepr`
shows exactly what the generated one shows (``Name(field=value, …)``, fields with ``repr=False`` left out,
``...`` for a value that contains itself) and is made without compiling anything for it.
"""

import dataclasses
import reprlib
from typing import Any


class FieldsRepr:
    __slots__ = ()

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        me: Any = self  # a dataclass instance (every subclass is one)
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(me) if f.repr)
        return f"{type(self).__qualname__}({shown})"
