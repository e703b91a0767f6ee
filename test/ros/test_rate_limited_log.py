from ros_tracker.ros.rate_limited_log import RateLimitedLog


def test_limits_per_kind_and_reports_suppressed_messages():
    lines, now = [], [0.0]
    log = RateLimitedLog(lines.append, period_s=2.0, clock=lambda: now[0])
    log('image', 'bad image 1')
    log('image', 'bad image 2')
    log('init', 'bad box')
    now[0] = 1.0
    log('image', 'bad image 3')
    now[0] = 2.5
    log('image', 'bad image 4')
    assert lines == ['bad image 1', 'bad box',
                     'bad image 4 (2 similar message(s) suppressed)']
