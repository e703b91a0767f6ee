"""The main loop every executable of the package shares."""

from __future__ import annotations

import signal
from typing import Callable, TypeVar

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

N = TypeVar('N', bound=Node)


def run_node(make_node: Callable[[], N], name: str, args: list[str] | None = None,
             done: Callable[[N], bool] = lambda node: False,
             cleanup: Callable[[N], None] = lambda node: None) -> None:
    """Create a node and spin it until Ctrl-C, an external shutdown or done(node).

    A ValueError while the node is created or spun (an invalid parameter, a tracker that
    cannot load) ends the process with status 2 and the error's message. Ctrl-C and SIGTERM
    reach this loop as KeyboardInterrupt while the ROS context is still valid, so cleanup
    (which runs before the node is destroyed) can let a worker finish its step and publish
    before rclpy shuts down; further signals are ignored until then.
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    node = None
    try:
        node = make_node()
        while rclpy.ok() and not done(node):
            rclpy.spin_once(node, timeout_sec=0.1)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except ValueError as error:
        rclpy.logging.get_logger(name).fatal(str(error))
        raise SystemExit(2) from None
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if node is not None:
            cleanup(node)
            node.destroy_node()
        rclpy.try_shutdown()
