"""Real places the sandbox carrier's parcels travel through: hubs and delivery towns.

Regions are ISO 3166-2 subdivision codes without the country prefix (US states, German
Länder, ...), postcodes are real ones for the place, and each place carries its IANA zone
so that scans are stamped in local time with an offset, as real carriers do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    region: str
    postcode: str
    country: str
    zone: str


def _places(zone_by_country: dict[str, str], *rows: tuple[str, ...]) -> tuple[Place, ...]:
    """Rows of (city, region, postcode, country[, zone]); the zone defaults per country."""
    return tuple(
        Place(r[0], r[1], r[2], r[3], r[4] if len(r) > 4 else zone_by_country[r[3]]) for r in rows
    )


_EU_ZONES = {
    "DE": "Europe/Berlin",
    "BE": "Europe/Brussels",
    "FR": "Europe/Paris",
    "NL": "Europe/Amsterdam",
    "ES": "Europe/Madrid",
    "PL": "Europe/Warsaw",
    "GB": "Europe/London",
}

US_HUBS = _places(
    {},
    ("Memphis", "TN", "38118", "US", "America/Chicago"),
    ("Louisville", "KY", "40209", "US", "America/Kentucky/Louisville"),
    ("Indianapolis", "IN", "46241", "US", "America/Indiana/Indianapolis"),
    ("Chicago", "IL", "60666", "US", "America/Chicago"),
    ("Dallas", "TX", "75261", "US", "America/Chicago"),
    ("Ontario", "CA", "91761", "US", "America/Los_Angeles"),
    ("Newark", "NJ", "07114", "US", "America/New_York"),
    ("Atlanta", "GA", "30320", "US", "America/New_York"),
    ("Denver", "CO", "80249", "US", "America/Denver"),
)

US_HOMES = _places(
    {},
    ("Brooklyn", "NY", "11201", "US", "America/New_York"),
    ("Boston", "MA", "02108", "US", "America/New_York"),
    ("Miami", "FL", "33131", "US", "America/New_York"),
    ("Austin", "TX", "78701", "US", "America/Chicago"),
    ("Minneapolis", "MN", "55401", "US", "America/Chicago"),
    ("Phoenix", "AZ", "85004", "US", "America/Phoenix"),
    ("Portland", "OR", "97205", "US", "America/Los_Angeles"),
    ("Seattle", "WA", "98101", "US", "America/Los_Angeles"),
)

EU_HUBS = _places(
    _EU_ZONES,
    ("Leipzig", "SN", "04435", "DE"),
    ("Cologne", "NW", "51147", "DE"),
    ("Liège", "WLG", "4460", "BE"),
    ("Roissy-en-France", "IDF", "95700", "FR"),
    ("Schiphol", "NH", "1118 CP", "NL"),
    ("Madrid", "MD", "28042", "ES"),
    ("Warsaw", "MZ", "02-146", "PL"),
)

EU_HOMES = _places(
    _EU_ZONES,
    ("Berlin", "BE", "10115", "DE"),
    ("Munich", "BY", "80331", "DE"),
    ("Ghent", "VOV", "9000", "BE"),
    ("Lyon", "ARA", "69002", "FR"),
    ("Utrecht", "UT", "3511 AX", "NL"),
    ("Barcelona", "CT", "08001", "ES"),
    ("Kraków", "MA", "31-001", "PL"),
)

GB_HUBS = _places(
    _EU_ZONES,
    ("Castle Donington", "LEC", "DE74 2SA", "GB"),
    ("Heathrow", "HIL", "TW6 2GA", "GB"),
)

GB_HOMES = _places(
    _EU_ZONES,
    ("Manchester", "MAN", "M1 1AE", "GB"),
    ("Edinburgh", "EDH", "EH1 1YZ", "GB"),
    ("Bristol", "BST", "BS1 4DJ", "GB"),
)

#: Domestic networks: (hubs, delivery towns). Cross-border parcels go EU -> GB (customs).
DOMESTIC = ((US_HUBS, US_HOMES), (EU_HUBS, EU_HOMES))

SIGNERS = (
    "M. Garcia",
    "J. Smith",
    "A. Müller",
    "S. Dubois",
    "L. de Vries",
    "K. Nowak",
    "R. Patel",
    "E. Rossi",
    "T. Nguyen",
    "H. Jansen",
    "O. Brown",
    "C. Martín",
)

LEFT_AT = ("Front door", "Reception", "Mailroom", "Handed to resident", "Back porch")

#: Rough centres of the delivery towns (latitude, longitude): pickup points sit near them.
CENTRES: dict[str, tuple[float, float]] = {
    "Brooklyn": (40.6782, -73.9442),
    "Boston": (42.3601, -71.0589),
    "Miami": (25.7617, -80.1918),
    "Austin": (30.2672, -97.7431),
    "Minneapolis": (44.9778, -93.2650),
    "Phoenix": (33.4484, -112.0740),
    "Portland": (45.5152, -122.6784),
    "Seattle": (47.6062, -122.3321),
    "Berlin": (52.5200, 13.4050),
    "Munich": (48.1372, 11.5756),
    "Ghent": (51.0543, 3.7174),
    "Lyon": (45.7640, 4.8357),
    "Utrecht": (52.0907, 5.1214),
    "Barcelona": (41.3851, 2.1734),
    "Kraków": (50.0614, 19.9366),
    "Manchester": (53.4808, -2.2426),
    "Edinburgh": (55.9533, -3.1883),
    "Bristol": (51.4545, -2.5879),
}

#: Street names for pickup points, by country (common ones, not a particular address).
STREETS: dict[str, tuple[str, ...]] = {
    "US": ("Main Street", "Oak Avenue", "Maple Street", "Park Avenue"),
    "DE": ("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße"),
    "BE": ("Kerkstraat", "Stationsstraat", "Dorpsstraat"),
    "FR": ("Rue de la République", "Rue Victor Hugo", "Avenue Jean Jaurès"),
    "NL": ("Stationsweg", "Kerkstraat", "Molenstraat"),
    "ES": ("Carrer Major", "Carrer de la Pau", "Carrer Nou"),
    "PL": ("ul. Długa", "ul. Krótka", "ul. Kościuszki", "ul. Mickiewicza"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road"),
}

#: Shops that hold parcels for collection.
PICKUP_SHOPS = ("Corner Shop", "Newsagent", "Pharmacy", "Florist", "Bookshop", "Kiosk")
