"""Tables of the public part of the site."""

from piccolo.columns import Integer, Varchar
from piccolo.table import Table


class HelpPoint(Table):
    """A place where a person can get help in person with their space.

    Public information (like a town hall's opening hours), never personal data.
    """

    slug = Varchar(length=80, unique=True)
    name = Varchar(length=200)
    kind = Varchar(length=40)
    address = Varchar(length=300)
    postcode = Varchar(length=10)
    town = Varchar(length=120)
    department = Varchar(length=3, index=True)
    phone = Varchar(length=30)
    hours_fr = Varchar(length=300)
    hours_en = Varchar(length=300)
    sort_order = Integer(default=0)
