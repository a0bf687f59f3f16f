"""The use cases, one function each, given a unit of work and the acting user.

The API, the pages, the command line and the queue workers all call these; nothing here
imports Flask. A service reads and changes through `uow.session`, writes the audit entries
of what it does through `uow.audit` in the same transaction, and commits once
(`uow.commit()`), so a change and its audit entry are stored together or not at all.
"""
