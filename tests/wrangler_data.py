"""Small fixture tables for the Data Wrangler tests."""

from __future__ import annotations

from pathlib import Path

SALES_CSV = """\
id,city,price,quantity,day,note
1,Oslo,10.5,2,2024-01-01,first order
2,Bergen,7.25,,2024-01-02,
3,Oslo,,5,2024-01-03,Repeat  customer
4,Trondheim,99.0,1,2024-02-10,big
5,Bergen,12.0,3,2024-03-15,ok
6,Oslo,11.0,2,2024-03-16,fine
7,Bergen,8.5,4,2024-04-01,
8,Stavanger,13.0,1,2024-04-02,new city
"""

CITIES_CSV = """\
city,country,population
Oslo,NO,700000
Bergen,NO,290000
Trondheim,NO,210000
"""

BAD_CSV = "a,b\n1,x\n2,y,extra\n3,z\n4\n5,w\n"


def write_fixtures(root: Path) -> None:
    (root / "sales.csv").write_text(SALES_CSV)
    (root / "cities.csv").write_text(CITIES_CSV)
    (root / "bad.csv").write_text(BAD_CSV)
