"""What-if sandbox: replay a period's held meetings and desk use against a changed room plan.

``plan`` (the document) -> ``layout`` (the plan applied to the rooms as they are) ->
``allocate`` (where each meeting goes) and ``desks`` (desk demand against supply) ->
``replay`` (both plans side by side, pure); ``load`` and ``service`` bring in the store,
``hub/api/sandbox.py`` and ``cli.py`` the callers. docs/sandbox.md.
"""
