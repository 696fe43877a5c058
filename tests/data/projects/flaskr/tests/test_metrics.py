from prometheus_client.parser import text_string_to_metric_families


def _samples(client):
    text = client.get("/metrics").get_data(as_text=True)
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_requests_are_counted_by_route_and_status(client):
    client.get("/hello")
    client.get("/hello")
    client.get("/no-such-page")
    samples = _samples(client)
    hello = (("method", "GET"), ("path", "/hello"), ("status", "200"))
    assert samples[("http_requests_total", hello)] == 2
    unmatched = (("method", "GET"), ("path", "unmatched"), ("status", "404"))
    assert samples[("http_requests_total", unmatched)] == 1
    assert samples[("http_request_duration_seconds_count", hello)] == 2


def test_the_scrape_itself_is_not_counted(client):
    client.get("/metrics")
    assert not any(labels and ("path", "/metrics") in labels for _, labels in _samples(client))
