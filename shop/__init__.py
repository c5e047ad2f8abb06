"""The shop's orders: domain types, policies, customer identity and order stores.

The action server answers "where is my order", "cancel my order" and dispute
questions from here. `shop.orders` holds the types and the `OrderStore`
protocol; `shop.demo_store` (SQLite, seeded from `data/demo/orders.yml`) and
`shop.http_store` (the shop's REST API) implement it; `shop.config` picks one
from `endpoints.yml`; `shop.policies` decides what a shopper may do and until
when, from `shop_policies.yml`.
"""
