import io

from indicators.disclosure import apply_disclosure_control
from indicators.importing import import_values
from indicators.models import Area, Indicator, Period, Value

PERIOD = "2013-03-31"
COUNTY = "E10000017"


def stage(data: bytes, name="f.csv", user=None, stage=True, **kw):
    report = import_values(source=io.BytesIO(data), file_name=name, user=user, stage=stage, **kw)
    assert report.status == "applied", (report.summary(), [str(e) for e in report.errors])
    return report.batch


def small_numbers():
    """As tests/indicators/test_disclosure.py: districts of Lancashire-12 for cpp-count
    2013-03-31, Burnley 3 (primary), Chorley 47 (secondary), Preston 54, Ribble Valley 61,
    county total 165."""
    indicator = Indicator.objects.get(slug="cpp-count")
    period = Period.objects.get(code=PERIOD)
    county = Area.objects.get(code=COUNTY)
    counts = {}
    for n, district in enumerate(Area.objects.filter(parent=county).order_by("code")):
        counts[district.code] = 3 if n == 0 else 40 + 7 * n
        Value.objects.create(
            indicator=indicator,
            area=district,
            period=period,
            value=counts[district.code],
            count=counts[district.code],
        )
    total = Value.objects.get(
        indicator=indicator, area=county, period=period, breakdown__isnull=True
    )
    total.value = total.count = sum(counts.values())
    total.is_illustrative = False
    total.save()
    apply_disclosure_control([indicator.pk])
    return indicator, counts
