"""Documents and their encrypted bytes.

What a document says about the person (title, category, dates, file name, type)
is one sealed value; its bytes are chunks sealed with the same key. Each document
has its own data key (owner ``document:<id>``): purging a document, or closing the
space, destroys it, which makes every copy unreadable, backups included. Only what
says nothing about health stays plain: whose it is, who added it and when, its
size, and the flags the server enforces (hidden, new, in the bin).
"""

from piccolo.columns import UUID, Boolean, Bytea, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account


class Document(Table):
    id = UUID(primary_key=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    # Who added it: the patient, or a professional of their circle (kept after they leave it).
    author = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    author_role = Varchar(length=16)
    sealed_details = Bytea()
    size = Integer()
    chunk_count = Integer()
    added_at = Timestamptz(default=TimestamptzNow())
    hidden = Boolean(default=False)
    is_new = Boolean(default=False)
    deleted_at = Timestamptz(null=True, default=None)


class DocumentChunk(Table):
    """One piece of a document's bytes, sealed with the document's key; the associated
    data names the document, the piece and how many pieces there are, so a piece moved,
    swapped, dropped or added does not open."""

    id = Serial(primary_key=True)
    document = ForeignKey(Document, on_delete=OnDelete.cascade, index=True)
    position = Integer()
    data = Bytea()


class DocumentSettings(Table):
    """A patient's choices for their library: hide the documents they add, by default."""

    patient = ForeignKey(Account, unique=True, on_delete=OnDelete.cascade)
    hide_by_default = Boolean(default=False)
