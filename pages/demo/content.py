"""The demo content: indicators of the Child Protection page, the topic tree and its narrative.

The figures stated in the narrative are the published figures of `published-figures.csv`;
every other demo figure is in `illustrative-figures.csv` and is flagged as illustrative."""

import datetime
from typing import Any

# name in published-figures.csv -> how the site holds the indicator. Every one has the
# children's social care small-number rule (counts 1 to 4 withheld), set in the loader.
INDICATORS: list[dict[str, Any]] = [
    {
        "slug": "cpp-count",
        "name": "Children with a child protection plan",
        "unit": "count",
        "multiplier": 1,
        "population": "",
        "decimal_places": 0,
        "polarity": "none",
        "definition": "The number of children and young people aged under 18 who were the "
        "subject of a child protection plan on 31 March.",
        "source": "Department for Education: Characteristics of children in need",
        "source_url": "https://www.gov.uk/government/collections/statistics-children-in-need",
        "methodology": "A snapshot count taken at the end of the financial year from local "
        "authorities' children in need census returns.",
    },
    {
        "slug": "cpp-rate",
        "name": "Children with a child protection plan (rate per 10,000 under 18s)",
        "unit": "rate",
        "multiplier": 10_000,
        "population": "population aged under 18",
        "decimal_places": 1,
        "polarity": "none",
        "definition": "Children who were the subject of a child protection plan on 31 March, "
        "per 10,000 of the resident population aged under 18.",
        "source": "Department for Education: Characteristics of children in need; ONS mid-year "
        "population estimates",
        "source_url": "https://www.gov.uk/government/collections/statistics-children-in-need",
        "methodology": "Numerator: children subject to a plan on 31 March. Denominator: the ONS "
        "mid-year estimate of the population aged 0 to 17.",
    },
    {
        "slug": "referrals-rate",
        "name": "Rate of referrals to children's social care",
        "unit": "rate",
        "multiplier": 10_000,
        "population": "population aged under 18",
        "decimal_places": 1,
        "polarity": "low",
        "definition": "Referrals to children's social care received during the year, per "
        "10,000 of the population aged under 18.",
        "source": "Department for Education: Characteristics of children in need",
        "source_url": "https://www.gov.uk/government/collections/statistics-children-in-need",
        "methodology": "All referrals accepted by children's social care between 1 April and "
        "31 March, divided by the mid-year population aged 0 to 17.",
    },
    {
        "slug": "re-referrals",
        "name": "Re-referrals to children's social care within 12 months",
        "unit": "percentage",
        "multiplier": 100,
        "population": "",
        "decimal_places": 1,
        "polarity": "low",
        "definition": "The percentage of referrals in the year that came within 12 months of a "
        "previous referral about the same child.",
        "source": "Department for Education: Characteristics of children in need",
        "source_url": "https://www.gov.uk/government/collections/statistics-children-in-need",
        "methodology": "Numerator: referrals received within 12 months of an earlier referral "
        "for the same child. Denominator: all referrals in the year.",
    },
    {
        "slug": "cpp-two-years",
        "name": "Child protection plans lasting two years or more",
        "unit": "percentage",
        "multiplier": 100,
        "population": "",
        "decimal_places": 1,
        "polarity": "low",
        "definition": "Of the child protection plans that ended during the year, the percentage "
        "that had lasted two years or more.",
        "source": "Department for Education: Characteristics of children in need",
        "source_url": "https://www.gov.uk/government/collections/statistics-children-in-need",
        "methodology": "Numerator: plans ceasing in the year with a duration of two years or "
        "more. Denominator: all plans ceasing in the year.",
    },
    {
        "slug": "cpp-second-time",
        "name": "Children becoming subject to a child protection plan for a second or "
        "subsequent time",
        "unit": "percentage",
        "multiplier": 100,
        "population": "",
        "decimal_places": 1,
        "polarity": "low",
        "definition": "Of the children who started a child protection plan during the year, the "
        "percentage who had been the subject of a plan before, however long ago.",
        "source": "Department for Education: Characteristics of children in need",
        "source_url": "https://www.gov.uk/government/collections/statistics-children-in-need",
        "methodology": "Numerator: children starting a plan in the year who had an earlier "
        "plan. Denominator: all children starting a plan in the year.",
    },
    {
        "slug": "referrals-to-assessment",
        "name": "Referrals going on to initial assessment",
        "unit": "rate",
        "multiplier": 10_000,
        "population": "population aged under 18",
        "decimal_places": 1,
        "polarity": "high",
        "definition": "Referrals during the year that led to an initial assessment, per 10,000 "
        "of the population aged under 18.",
        "source": "Department for Education: Characteristics of children in need",
        "source_url": "https://www.gov.uk/government/collections/statistics-children-in-need",
        "methodology": "Initial assessments completed following a referral between 1 April and "
        "31 March, divided by the mid-year population aged 0 to 17.",
    },
    {
        "slug": "cpp-ethnicity",
        "name": "Children with a child protection plan by ethnicity",
        "unit": "percentage",
        "multiplier": 100,
        "population": "",
        "decimal_places": 0,
        "polarity": "none",
        "definition": "Of the children who were the subject of a child protection plan on 31 "
        "March, the percentage in each ethnic group.",
        "source": "Department for Education: Characteristics of children in need",
        "source_url": "https://www.gov.uk/government/collections/statistics-children-in-need",
        "methodology": "Ethnicity as recorded by children's social care, in the census "
        "groupings used by the Department for Education.",
    },
]

DISCLOSURE_THRESHOLD = 4

# The dimension of the categories other than "All" in published-figures.csv, per indicator.
BREAKDOWN_DIMENSIONS = {"cpp-ethnicity": "ethnicity", "cpp-count": "age"}

BREAKDOWNS = [
    ("age", "Under 1", 1),
    ("age", "1-4", 2),
    ("age", "5-9", 3),
    ("age", "10-15", 4),
    ("age", "16 and over", 5),
    ("ethnicity", "White British", 1),
    ("ethnicity", "Other White", 2),
    ("ethnicity", "Mixed", 3),
    ("ethnicity", "Asian or Asian British", 4),
    ("ethnicity", "Black or Black British", 5),
    ("ethnicity", "Other or not known", 6),
]

SHORT_NAMES = {"E10000017": "Lancashire-12"}

AREA_TYPES = {
    "Country": "country",
    "Region": "region",
    "County": "county",
    "Unitary authority": "unitary",
    "District": "district",
}

FINANCIAL_YEARS = ["2007/08", "2008/09", "2009/10", "2010/11", "2011/12", "2012/13"]
SNAPSHOTS = ["2013-03-31"]

# The team of officers who look after the demo pages (`dev.py start` puts its officer in it).
TEAM = "Children and families intelligence"

AUTHOR = {
    "name": "Afzal Patel",
    "email": "afzal.patel@lancashire.gov.uk",
    "phone": "01772 536104",
    "job_title": "Business Intelligence analyst",
}

# (path of parent or None, slug, title, summary, keywords, sort order)
TOPICS = [
    (
        None,
        "children-and-young-people",
        "Children and young people",
        "The health, safety and life chances of Lancashire's children and young people.",
        "Children, Young people, Families",
        1,
    ),
    (
        None,
        "adults-and-older-people",
        "Adults and older people",
        "Care and support needs of adults, carers and older people.",
        "Adult social care, Carers, Ageing",
        2,
    ),
    (
        None,
        "health-and-wellbeing",
        "Health and wellbeing",
        "Lifestyles, long-term conditions and what shapes health in Lancashire.",
        "Public health, Lifestyle",
        3,
    ),
    (
        "children-and-young-people",
        "childrens-social-care",
        "Children's social care",
        "Help, protection and care provided to children by the county council and its partners.",
        "Social care, Social services, Children's services",
        1,
    ),
    (
        "children-and-young-people",
        "education-and-attainment",
        "Education and attainment",
        "School readiness, attainment and absence across Lancashire's schools.",
        "Schools, GCSE, Exclusions",
        2,
    ),
    (
        "children-and-young-people/childrens-social-care",
        "child-protection",
        "Child protection",
        "Referrals to children's social care, children with a child protection plan and how "
        "long plans last, for Lancashire-12 and its districts compared with the North West and "
        "England.",
        "Safeguarding, Child protection plan, CPP, Referrals, Re-referrals, Child abuse, Neglect",
        1,
    ),
    (
        "children-and-young-people/childrens-social-care",
        "children-in-care",
        "Children in care",
        "Children looked after by the local authority: why they come into care, where they live "
        "and how they do.",
        "Looked after children, LAC, Fostering, Care leavers",
        2,
    ),
    (
        "children-and-young-people/childrens-social-care",
        "children-in-need",
        "Children in need",
        "Children assessed as needing services to stay safe and healthy, and the factors "
        "identified at assessment.",
        "CIN, Early help, Domestic abuse",
        3,
    ),
    (
        "adults-and-older-people",
        "carers",
        "Carers",
        "People who look after a family member, partner or friend without pay.",
        "Unpaid carers, Young carers",
        1,
    ),
    (
        "adults-and-older-people",
        "dementia",
        "Dementia",
        "Diagnosis, care and support for people living with dementia.",
        "Alzheimer's, Memory",
        2,
    ),
    (
        "health-and-wellbeing",
        "smoking",
        "Smoking",
        "Smoking prevalence, smoking in pregnancy and stop smoking services.",
        "Tobacco, Stop smoking",
        1,
    ),
    (
        "health-and-wellbeing",
        "physical-activity",
        "Physical activity",
        "How active Lancashire's residents are, and what helps them move more.",
        "Exercise, Sport, Obesity",
        2,
    ),
]

PAGE_AREA = "E10000017"  # Lancashire-12
PAGE_COMPARATORS = ["E06000008", "E06000009"]  # Blackburn with Darwen, Blackpool
CHILD_PROTECTION = "children-and-young-people/childrens-social-care/child-protection"
LAST_UPDATED = datetime.date(2014, 3, 19)
REVIEW_DUE = datetime.date(2015, 3, 19)

# (anchor, heading, indicator slug or None, breakdown dimension or "", body in Markdown)
SECTIONS: list[tuple[str, str, str | None, str, str]] = [
    (
        "about",
        "About this page",
        None,
        "",
        "This page brings together the main measures of child protection activity for Lancashire-12, the area served by Lancashire County Council, and for its twelve districts. Each measure is compared with the North West, England and the two neighbouring unitary authorities, Blackburn with Darwen and Blackpool.\n\nFigures labelled *illustrative* are synthetic examples that show how the charts work; they are not published statistics.",
    ),
    (
        "children-with-a-plan",
        "Number and rate of children with a child protection plan",
        "cpp-count",
        "",
        "When a child is judged to be at continuing risk of significant harm, the agencies working with the family agree a child protection plan. The plan sets out what each professional and the family will do to keep the child safe, to promote the child's welfare and, where it is safe, to help the family care for the child. Plans replaced the former child protection register.\n\nOn 31 March 2013 there were **{{cpp-count | period=2013-03-31}}** children in Lancashire-12 with a child protection plan. Both the number of children with a plan and the rate per 10,000 children rose between 2007/08 and 2012/13, in step with the rise seen across England.",
    ),
    (
        "district-rates",
        "Children with a plan in each district",
        "cpp-rate",
        "",
        "The rate of children with a child protection plan differs widely between the districts. On 31 March 2013 Preston's rate, **{{cpp-rate | area=Preston | period=2013-03-31}}** children aged under 18, was {{rank cpp-rate | area=Preston | period=2013-03-31}}, and Ribble Valley's, **{{cpp-rate | area=Ribble Valley | period=2013-03-31}}**, {{rank cpp-rate | area=Ribble Valley | period=2013-03-31}}.\n\nEvery district's rate was higher than a year before. The biggest rises were in Burnley, Ribble Valley, Chorley and Preston.",
    ),
    (
        "referrals",
        "Referrals to children's social care",
        "referrals-rate",
        "",
        "The council must make enquiries whenever a child may be suffering, or be likely to suffer, significant harm. A referral is a request for children's social care to provide a service; every referral needs a prompt, recorded decision, even when that decision is to take no further action.\n\nA lower rate of referrals is counted as better performance. Referrals in Lancashire-12 fell markedly after 2008/09, but rose again in 2012/13 to **{{referrals-rate | period=2012/13}}** children. Lancashire-12 has had a much lower rate than Blackpool throughout, but in 2012/13 its rate was above those of Blackburn with Darwen (**{{referrals-rate | area=Blackburn with Darwen | period=2012/13}}**), the North West (**{{referrals-rate | area=North West | period=2012/13}}**) and England (**{{referrals-rate | area=England | period=2012/13}}**).",
    ),
    (
        "re-referrals",
        "Re-referrals within 12 months",
        "re-referrals",
        "",
        "A re-referral is a referral about a child whose previous referral was received within the last 12 months. The concern need not be the same both times: a first referral about domestic abuse followed by a second about neglect still counts, as does a second referral from the same referrer after the case had been closed.\n\nA lower percentage is better. In 2012/13, **{{re-referrals | period=2012/13}}** of Lancashire-12's referrals were re-referrals, above the North West (**{{re-referrals | area=North West | period=2012/13}}**) and England (**{{re-referrals | area=England | period=2012/13}}**). Blackburn with Darwen had a lower percentage (**{{re-referrals | area=Blackburn with Darwen | period=2012/13}}**) and Blackpool a slightly higher one (**{{re-referrals | area=Blackpool | period=2012/13}}**).",
    ),
    (
        "plans-two-years",
        "Plans lasting two years or more",
        "cpp-two-years",
        "",
        "Help for a family under a child protection plan should bring about the changes needed to keep the child safe, so that in nearly all cases the plan is no longer needed within two years. The share of plans that last longer shows whether families are getting the services that make that change.\n\nA lower percentage is better. In 2012/13 only **{{cpp-two-years | period=2012/13}}** of the plans that ended in Lancashire-12 had lasted two years or more: **{{cpp-two-years | period=2012/13 | show=count}}** plans. This was better than every area it is compared with.",
    ),
    (
        "second-plan",
        "Children on a plan for a second or subsequent time",
        "cpp-second-time",
        "",
        "When a child needs a child protection plan again, the first plan may not have led to a lasting improvement in the child's safety and well-being. This measure counts the children starting a plan during the year who had been on a plan before, however long ago.\n\nA lower percentage is better. In 2012/13 the figure for Lancashire-12 fell to **{{cpp-second-time | period=2012/13}}**. Lancashire-12 usually does better on this measure than Blackpool, but not as well as Blackburn with Darwen, the North West or England.\n\nThe county council has analysed its child protection performance in detail and agreed an action plan to address the areas where it has fallen behind.",
    ),
    (
        "assessment",
        "Referrals going on to initial assessment",
        "referrals-to-assessment",
        "",
        "Councils should respond to concerns about a child quickly and follow up every referral that needs it. The rate of referrals that go on to an initial assessment reflects both how appropriate the referrals from partner agencies are and the thresholds that children's social care applies locally.\n\nA higher rate is better. In 2012/13 Lancashire-12's rate was **{{referrals-to-assessment | period=2012/13}}** children aged under 18, well above England (**{{referrals-to-assessment | area=England | period=2012/13}}**) and a little below the North West (**{{referrals-to-assessment | area=North West | period=2012/13}}**).",
    ),
    (
        "age",
        "Age of children with a plan",
        "cpp-count",
        "age",
        "On 31 March 2013 the largest group of children with a child protection plan in Lancashire-12 were aged 1 to 4, with many also aged 5 to 9 and 10 to 15. The districts show a similar pattern.",
    ),
    (
        "ethnicity",
        "Ethnicity of children with a plan",
        "cpp-ethnicity",
        "ethnicity",
        "On 31 March 2013, **{{cpp-ethnicity | breakdown=ethnicity: White British | period=2013-03-31}}** of the children with a child protection plan in Lancashire-12 were recorded as White British.",
    ),
]

LINKS = [
    (
        "Children in need statistics (Department for Education)",
        "National statistics on referrals, assessments and child protection plans.",
        "https://www.gov.uk/government/collections/statistics-children-in-need",
    ),
    (
        "Working together to safeguard children",
        "Statutory guidance for agencies working to safeguard children.",
        "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2",
    ),
]
