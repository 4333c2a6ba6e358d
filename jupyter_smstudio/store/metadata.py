"""The one SQLAlchemy MetaData every area's tables belong to."""

from sqlalchemy import MetaData

metadata = MetaData()
