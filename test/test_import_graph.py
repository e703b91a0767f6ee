"""The package's import graph: the core never reaches into the ROS layer, tracker families stay
apart, nothing depends on the command line, and modules import no cycle."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / 'ros_tracker'
FAMILIES = ('ros_tracker.atom', 'ros_tracker.re3', 'ros_tracker.opencv')
#: Third-party modules that only the ROS layer may import.
ROS_MODULES = ('rclpy', 'sensor_msgs', 'vision_msgs', 'std_msgs', 'std_srvs', 'diagnostic_msgs',
               'rcl_interfaces', 'cv_bridge', 'launch', 'launch_ros', 'lifecycle_msgs')


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Modules path imports (all of them, or only those imported when it loads)."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f'{node.module}.{alias.name}' for alias in node.names)
    return found


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob('*.py'))}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + '.')


@pytest.mark.parametrize('module', [m for m in MODULES if not within(m, 'ros_tracker.ros')
                                    and not within(m, 'ros_tracker.cli')])
def test_the_core_never_imports_the_ros_layer(module):
    bad = sorted(name for name in imports(MODULES[module])
                 if within(name, 'ros_tracker.ros')
                 or any(within(name, ros) for ros in ROS_MODULES))
    assert bad == [], f'{module} imports {bad}'


@pytest.mark.parametrize('family', FAMILIES)
def test_tracker_families_never_import_each_other(family):
    others = [f for f in FAMILIES if f != family]
    bad = sorted({f'{module} -> {name}' for module, path in MODULES.items()
                  if within(module, family) for name in imports(path)
                  if any(within(name, other) for other in others)})
    assert bad == []


def test_nothing_imports_the_command_line():
    outside = {m: path for m, path in MODULES.items() if not within(m, 'ros_tracker.cli')}
    bad = sorted(module for module, path in outside.items()
                 if any(within(name, 'ros_tracker.cli') for name in imports(path)))
    assert bad == []


def test_modules_import_no_cycle_when_they_load():
    graph = {module: {name for name in imports(path, top_level_only=True) if name in MODULES
                      and name != module}
             for module, path in MODULES.items()}
    finished: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            pytest.fail('import cycle: ' + ' -> '.join(trail[trail.index(module):] + [module]))
        if module in finished:
            return
        for name in sorted(graph[module]):
            visit(name, trail + [module])
        finished.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_the_graph_is_read_from_the_real_package():
    assert {'ros_tracker.registry', 'ros_tracker.atom.tracker', 'ros_tracker.ros.tracker_node',
            'ros_tracker.node_core.session'} <= set(MODULES)
    assert 'ros_tracker.atom.spec' in imports(MODULES['ros_tracker.registry'])
