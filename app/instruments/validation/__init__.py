"""Validate an instrument file and report every problem at once.

The checks run in layers. A layer that cannot produce a usable value stops the run:

1. size (over MAX_BYTES: one error, nothing is decoded);
2. UTF-8 decoding (a leading byte-order mark is tolerated);
3. JSON syntax, reported with line and column (text.py);
4. structure the JSON parser lets through: duplicate keys in one object (reported, the
   run continues), NaN/Infinity, unpaired surrogates and absurd nesting (the run stops)
   (structure.py);
5. instrument.schema.json (Draft 2020-12), messages rephrased in plain English (schema.py);
6. semantic checks the schema cannot express: unique keys, cross-references, scale
   shapes, translations, placeholders (semantic.py, scales.py; what is particular to one
   question type is that type's `item_errors`, see app.instruments.question_types).

Layers 5 and 6 both run, and layer 6 skips any part layer 5 found malformed, so an author
sees type errors and unknown references in the same report.

Every error carries a JSON Pointer (RFC 6901) to the offending value, or to the missing
member for a missing field, and a sentence meant for the person who edits the file. This
package knows nothing about the CLI or the web editor; both format `InstrumentError`.
"""

from app.instruments.validation.errors import (
    InstrumentError,
    ValidationResult,
    json_pointer,
    pointer_parts,
)
from app.instruments.validation.pipeline import (
    MAX_BYTES,
    validate_instrument_data,
    validate_instrument_text,
)
from app.instruments.validation.schema import load_schema

__all__ = [
    "MAX_BYTES",
    "InstrumentError",
    "ValidationResult",
    "json_pointer",
    "load_schema",
    "pointer_parts",
    "validate_instrument_data",
    "validate_instrument_text",
]
