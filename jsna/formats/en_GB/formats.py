"""The site's dates, for British English: a day as GOV.UK writes it ("19 March 2014"), a
moment with its time ("19 March 2014, 09:30"), in the admin's lists and forms as on the
public pages (`core.formatting.long_date` writes the same). Dates are still typed as
dd/mm/yyyy, Django's own British input formats."""

from django.conf.locale.en_GB.formats import (  # noqa: F401 - the input formats stay Django's
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    FIRST_DAY_OF_WEEK,
    NUMBER_GROUPING,
    THOUSAND_SEPARATOR,
)

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
