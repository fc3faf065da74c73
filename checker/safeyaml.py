"""YAML from users (parameter files, cases files, custom message catalogues): yaml.SafeLoader, and aliases
counted before anything is built, so a 600-byte "billion laughs" file is refused in microseconds instead of
expanding to gigabytes (or being expanded by an error message)."""
from __future__ import annotations

import yaml

MAX_YAML_NODES = 1_000_000  # YAML aliases can expand a small file into a huge tree


class BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a document whose aliases would expand it past MAX_YAML_NODES values."""

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None:
            _refuse_bombs(node)
        return node


def _refuse_bombs(root: yaml.Node) -> None:
    """Refuse a document whose aliases would expand it past MAX_YAML_NODES values, before anything is built.

    An alias is the very node it names, so sizes are counted once per distinct node: a 600-byte "billion
    laughs" file is measured in microseconds and never expanded, not even in an error message.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()   # nodes whose children are being counted: an alias to one is a loop
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else
                    node.value if isinstance(node, yaml.SequenceNode) else [])
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_YAML_NODES:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the aliases here expand to more than {MAX_YAML_NODES} values", node.start_mark)
        else:
            if id(node) in open_nodes:
                raise yaml.constructor.ConstructorError(None, None, "an alias here refers to itself",
                                                        node.start_mark)
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
