"""Records are internally consistent the way production records are."""

import collections
import ipaddress

from .conftest import sample


def http():
    return sample("http_requests", 6000)


def test_requests_end_after_they_start():
    for r in http():
        assert r["EdgeEndTimestamp"] >= r["EdgeStartTimestamp"]
        assert r["EdgeEndTimestamp"] - r["EdgeStartTimestamp"] >= r["EdgeTimeToFirstByteMs"] * 1_000_000


def test_security_arrays_have_equal_lengths_and_name_the_terminating_rule():
    for r in http():
        assert len(r["SecurityActions"]) == len(r["SecurityRuleIDs"]) == len(r["SecuritySources"])
        if r["SecurityRuleID"]:
            assert r["SecurityAction"] in r["SecurityActions"]
            assert r["SecurityRuleID"] in r["SecurityRuleIDs"]
        else:
            assert r["SecurityAction"] == "unknown" and r["SecurityRuleDescription"] == ""


def test_blocked_requests_never_reach_the_origin():
    blocked = [r for r in http() if r["SecurityAction"] in ("block", "managedChallenge")]
    assert len(blocked) > 50
    for r in blocked:
        assert r["OriginResponseStatus"] == 0 and r["OriginIP"] == "" and r["EdgeServerIP"] == ""
        assert r["CacheCacheStatus"] == "dynamic" and r["CacheResponseBytes"] == 0
        assert r["EdgeResponseStatus"] in (403, 429)
        assert r["EdgePathingOp"] == "ban"


def test_cache_hits_are_served_by_the_edge():
    hits = [r for r in http() if r["CacheCacheStatus"] == "hit"]
    assert len(hits) > 500
    for r in hits:
        assert r["OriginResponseStatus"] == 0 and r["EdgeServerIP"] == "" and r["OriginResponseDurationMs"] == 0
        assert r["CacheResponseBytes"] > 0 and r["EdgeResponseStatus"] == 200


def test_edge_status_follows_the_origin_or_is_a_cloudflare_error():
    contacted = [r for r in http() if r["EdgeServerIP"]]
    assert len(contacted) > 1000
    for r in contacted:
        assert r["OriginIP"]
        if r["OriginResponseStatus"] == 0:
            assert 520 <= r["EdgeResponseStatus"] <= 526
        elif r["CacheCacheStatus"] == "revalidated":
            assert (r["OriginResponseStatus"], r["EdgeResponseStatus"]) == (304, 200)
        else:
            assert r["EdgeResponseStatus"] == r["OriginResponseStatus"]
        assert r["OriginResponseDurationMs"] <= r["EdgeTimeToFirstByteMs"]
    assert all(not r["OriginIP"] for r in http() if not r["EdgeServerIP"])


def test_response_sizes_fit_the_compression_ratio():
    for r in http():
        assert r["EdgeResponseBytes"] > r["EdgeResponseBodyBytes"] >= 0
        if r["EdgeResponseCompressionRatio"]:
            assert r["EdgeResponseCompressionRatio"] > 1


def test_plain_http_has_no_tls():
    for r in http():
        assert (r["ClientRequestScheme"] == "http") == (r["ClientSSLProtocol"] == "none")
        if r["ClientSSLProtocol"] == "none":
            assert r["ClientSSLCipher"] == "NONE" and r["JA3Hash"] == "" and r["JA4Signals"] == {}


def test_uris_extend_paths_and_hosts_belong_to_their_zone():
    for r in http():
        assert r["ClientRequestURI"] == r["ClientRequestPath"] or r["ClientRequestURI"].startswith(r["ClientRequestPath"] + "?")
        assert r["ClientRequestHost"].endswith(r["ZoneName"])


def test_worker_subrequests_name_their_parent():
    subrequests = [r for r in http() if r["WorkerSubrequest"]]
    assert subrequests
    rays = {r["RayID"] for r in http()}
    for r in subrequests:
        assert r["ClientRequestSource"] == "edgeWorkerFetch" and r["WorkerScriptName"]
        assert r["ParentRayID"] in rays
    assert all(r["ParentRayID"] == "00" for r in http() if not r["WorkerSubrequest"])


def test_verified_bots_look_verified():
    bots = [r for r in http() if r["VerifiedBotCategory"]]
    assert bots
    assert all(r["BotScoreSrc"] == "Verified Bot" and r["ClientIPClass"] in ("searchEngine", "monitoringService") for r in bots)


def test_attacks_score_low_and_some_carry_log4shell_lookups():
    attacks = sorted(r["WAFAttackScore"] for r in http() if r["SecuritySources"] and r["SecuritySources"][-1] == "firewallManaged")
    clean = sorted(r["WAFAttackScore"] for r in http() if not r["SecuritySources"])
    assert attacks[len(attacks) // 2] < 30 < 60 < clean[len(clean) // 2]
    assert any("${" in r["ClientRequestURI"] or "${" in r["ClientRequestUserAgent"] for r in http())


def test_traffic_mix_is_mostly_successful_and_mostly_cached_statics():
    statuses = collections.Counter(r["EdgeResponseStatus"] // 100 for r in http())
    assert statuses[2] > 0.75 * len(http())
    assert statuses[4] > 0.02 * len(http())
    addresses = {r["ClientIP"] for r in http()}
    assert any(":" in a for a in addresses) and any("." in a for a in addresses)
    for address in addresses:
        ipaddress.ip_address(address)


def test_firewall_events_are_consistent():
    events = sample("firewall_events")
    for e in events:
        assert e["Kind"] == "firewall" and e["MatchIndex"] >= 0
        assert len(e["ContentScanObjResults"]) == len(e["ContentScanObjSizes"]) == len(e["ContentScanObjTypes"])
        if e["Action"] in ("block", "managedchallenge"):
            assert e["OriginResponseStatus"] == 0 and e["EdgeResponseStatus"] in (403, 429)
        else:
            assert e["EdgeResponseStatus"] == e["OriginResponseStatus"] > 0
        if e["OriginatorRayID"] != "00":
            assert e["Action"] == "managedchallengenoninteractivesolved"
        assert e["ClientRequestQuery"] == "" or e["ClientRequestQuery"].startswith("?")
    actions = collections.Counter(e["Action"] for e in events)
    assert actions["block"] > actions["log"] > 0


def test_dns_client_subnets_are_networks_of_the_stated_length():
    for r in sample("dns_logs"):
        if r["EDNSSubnet"]:
            network = ipaddress.ip_network(f"{r['EDNSSubnet']}/{r['EDNSSubnetLength']}")
            assert network.prefixlen == (24 if network.version == 4 else 56)
        else:
            assert r["EDNSSubnetLength"] == 0
        if r["ResponseCode"] == 3:
            assert r["QueryName"].count(".") >= 2


def test_spectrum_events_follow_the_connection_lifecycle():
    events = sample("spectrum_events")
    for e in events:
        if e["Event"] == "connect":
            assert e["Status"] == 0 and e["DisconnectTimestamp"] == 0 and e["ConnectTimestamp"] == e["Timestamp"]
            assert e["ClientBytes"] == e["OriginBytes"] == 0
        elif e["Event"] == "disconnect":
            assert e["ConnectTimestamp"] < e["DisconnectTimestamp"] == e["Timestamp"]
            assert e["Status"] == 200 or 444 <= e["Status"] <= 499
        else:
            assert e["ConnectTimestamp"] == 0 and e["DisconnectTimestamp"] == e["Timestamp"] and e["Status"] >= 400
        if e["Event"] == "clientFiltered":
            assert e["Status"] == 403 and e["IpFirewall"] and e["ClientMatchedIpFirewall"].startswith("BLOCK_")
        if e["ClientProto"] == "udp":
            assert e["ClientTcpRtt"] == 0 and e["ClientTlsProtocol"] == "none"
    assert {e["Event"] for e in events} >= {"connect", "disconnect", "originError", "resolveOrigin"}


_PROTOCOL_FIELDS = {
    6: "TCPSequenceNumber", 17: "UDPChecksum", 1: "ICMPChecksum", 58: "ICMPChecksum", 47: "GREEtherType",
}


def test_packet_fields_fit_their_protocol_and_ip_version():
    packets = sample("network_analytics_logs")
    for p in packets:
        source, destination = ipaddress.ip_address(p["IPSourceAddress"]), ipaddress.ip_address(p["IPDestinationAddress"])
        assert source.version == destination.version
        assert source in ipaddress.ip_network(p["IPSourceSubnet"]) and destination in ipaddress.ip_network(p["IPDestinationSubnet"])
        protocol = p["IPProtocol"]
        for number, field in _PROTOCOL_FIELDS.items():
            if number != protocol and not (protocol in (1, 58) and number in (1, 58)):
                assert p[field] == 0, (protocol, field)
        if protocol == 6:
            assert p["TCPFlagsString"] == "".join(c for bit, c in enumerate("FSRPAUEC") if p["TCPFlags"] >> bit & 1)
            assert (p["TCPMSS"] > 0) == ("2" in p["TCPOptions"].split(","))
        else:
            assert p["TCPFlags"] == 0 and p["TCPFlagsString"] == ""
        if source.version == 4:
            assert p["IPv6FlowLabel"] == 0 and p["IPHeaderLength"] == 20 and protocol != 58
        else:
            assert p["IPv4Identification"] == 0 and p["IPHeaderLength"] == 40 and protocol != 1
        assert p["IPTTLBuckets"] == p["IPTTL"] // 10 * 10
        assert p["IPTotalLengthBuckets"] == p["IPTotalLength"] // 100 * 100
        assert (p["AttackID"] != "") == (p["AttackVector"] != "") == (p["RulesetID"] != "")
        assert p["Outcome"] == p["Verdict"] or (p["Verdict"], p["Outcome"]) == ("drop", "pass")
    assert {p["IPProtocolName"] for p in packets} == {"tcp", "udp", "icmp", "icmpv6", "gre"}
