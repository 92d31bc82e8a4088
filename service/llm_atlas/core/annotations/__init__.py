"""Annotations: the submission rules, stored records and the service that accepts them."""
