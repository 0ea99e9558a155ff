"""The domain's pure rules: no database, no Django models, no request.

Each module holds one rule of ../shared/DOMAIN.md and the table it reads: the quantity rule
(:mod:`~tracker.rules.quantities`), the normal forms of URLs and text (:mod:`~tracker.rules.normalise`),
relative periods (:mod:`~tracker.rules.periods`), term categories and double-counting groups
(:mod:`~tracker.rules.terms`) and the place tree's paths and ancestors (:mod:`~tracker.rules.tree`). Models,
services, reports and the synthetic generator call them; none of them imports the ORM.
"""
