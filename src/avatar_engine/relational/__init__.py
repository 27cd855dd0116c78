"""Related tables: parent/child context, links between avatars, fresh keys.

A child table is avatarized with its parents' variables joined in, a parent table with
aggregates of its children; child avatars are then attached to parent avatars by a link method
(never by the original key), and every key is renewed before release.
"""

from avatar_engine.relational.assembly import LinkedTables, attach_children
from avatar_engine.relational.context import Link, TableContext, add_context
from avatar_engine.relational.keys import pseudonymize_columns, rekey_identifiers
from avatar_engine.relational.linking import LINK_METHODS, assign_parents
from avatar_engine.relational.measures import own_parent_attachment

__all__ = [
    "LINK_METHODS",
    "Link",
    "LinkedTables",
    "TableContext",
    "add_context",
    "assign_parents",
    "attach_children",
    "own_parent_attachment",
    "pseudonymize_columns",
    "rekey_identifiers",
]
