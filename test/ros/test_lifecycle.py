"""The managed node driven through every lifecycle transition over DDS (autostart off)."""

import itertools

from lifecycle_msgs.msg import State, Transition
from lifecycle_msgs.srv import ChangeState, GetState
from std_srvs.srv import Trigger

from node_harness import Client, NodeProcess
from scenes import scene

PARAMETERS = {'tracker': 'csrt', 'image_reliability': 'reliable', 'warning_period_s': 0.0}
STAMPS = itertools.count(2_000_000_000_000, 33_000_000)
NO_SUCH = 'no_such_transition'  # refused without a state change, so a probe may be resent


class Lifecycle:
    """The node's lifecycle services, as `ros2 lifecycle` uses them."""

    def __init__(self, client: Client, name: str) -> None:
        """Wait until change_state answers: a transition is sent once, and DDS can lose a
        first request right after discovery, so a request naming no transition goes first."""
        self.client = client
        self.change = client.node.create_client(ChangeState, f'/{name}/change_state')
        self.get = client.node.create_client(GetState, f'/{name}/get_state')
        client.wait_until(lambda: self.change.service_is_ready() and self.get.service_is_ready(),
                          'the lifecycle services')
        probe = ChangeState.Request(transition=Transition(label=NO_SUCH))
        assert not self.client.call(self.change, probe, repeatable=True).success

    def state(self) -> int:
        return self.client.call(self.get, GetState.Request(), repeatable=True).current_state.id

    def transition(self, transition_id: int) -> bool:
        request = ChangeState.Request(transition=Transition(id=transition_id))
        return self.client.call(self.change, request).success


def image_subscribers(client: Client) -> int:
    return client.image_pub.get_subscription_count()


def test_every_transition(ros, tmp_path):
    process = NodeProcess(tmp_path, PARAMETERS, name='managed_tracker')
    client = Client('managed_tracker')
    try:
        lifecycle = Lifecycle(client, 'managed_tracker')
        assert lifecycle.state() == State.PRIMARY_STATE_UNCONFIGURED
        assert image_subscribers(client) == 0 and not client.reset_client.service_is_ready()

        assert lifecycle.transition(Transition.TRANSITION_CONFIGURE)
        assert lifecycle.state() == State.PRIMARY_STATE_INACTIVE
        process.wait_for_log('csrt tracker (weights: none) loaded and warmed up on cpu')
        client.wait_until(client.reset_client.service_is_ready, 'services once configured')
        assert image_subscribers(client) == 0, 'no input while inactive'

        for _ in range(2):  # activate, track, deactivate; twice, so a reactivation works
            assert lifecycle.transition(Transition.TRANSITION_ACTIVATE)
            assert lifecycle.state() == State.PRIMARY_STATE_ACTIVE
            client.wait_for_node()
            stamp = next(STAMPS)
            client.send(scene(40, 100)[0], stamp)
            client.init(scene(40, 100)[1], stamp)
            client.wait_until(lambda: client.detections[stamp].detections, 'the init outcome')
            assert client.send(scene(43, 100)[0], next(STAMPS)).detections
            client.wait_until(lambda: client.lost[-1] is False, 'lost: false while tracking')

            assert lifecycle.transition(Transition.TRANSITION_DEACTIVATE)
            assert lifecycle.state() == State.PRIMARY_STATE_INACTIVE
            client.wait_until(lambda: client.lost[-1] is True, 'lost: true once inactive')
            client.wait_until(lambda: image_subscribers(client) == 0, 'subscriptions closed')
            response = client.call(client.reset_client, Trigger.Request())
            assert response.message == 'no target was tracked', 'deactivate dropped the target'

        assert lifecycle.transition(Transition.TRANSITION_CLEANUP)
        assert lifecycle.state() == State.PRIMARY_STATE_UNCONFIGURED
        process.wait_for_log('csrt tracker unloaded')
        client.wait_until(lambda: not client.reset_client.service_is_ready(), 'services gone')

        assert lifecycle.transition(Transition.TRANSITION_CONFIGURE)
        assert lifecycle.transition(Transition.TRANSITION_INACTIVE_SHUTDOWN)
        assert process.process.wait(timeout=30) == 0, 'finalized: the process ends'
    finally:
        client.close()
        assert process.stop() == 0, process.log()


def test_a_failed_configure_leaves_the_node_unconfigured(ros, tmp_path):
    parameters = {**PARAMETERS, 'tracker': 'atom', 'weights': '/nonexistent/atom.pt'}
    process = NodeProcess(tmp_path, parameters, name='unloadable_tracker')
    client = Client('unloadable_tracker')
    try:
        lifecycle = Lifecycle(client, 'unloadable_tracker')
        assert not lifecycle.transition(Transition.TRANSITION_CONFIGURE)
        assert lifecycle.state() == State.PRIMARY_STATE_UNCONFIGURED
        process.wait_for_log('cannot load the atom tracker: /nonexistent/atom.pt: no such file')
    finally:
        client.close()
        assert process.stop() == 0, process.log()
