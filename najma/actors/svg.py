"""The actor graph drawn as SVG on the server, so it shows (and prints) without JavaScript.

Built as one escaped string per map version and size metric (cached by the services): at
2,000 actors and 10,000 ties it stays well under 1 MB. Edges are grouped by tie kind (line
style) and direction (arrow heads); each node is a link to the actor's card, coloured by its
kind's family; ``data-c`` carries the community for the script's filters.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from najma.actors.graph import HEIGHT, WIDTH


def render(picture, actor_url_prefix: str) -> Markup:
    """The ``<g>`` elements of the graph (the caller wraps them in an ``<svg>`` with its labels)."""
    parts: list[str] = []
    for kind in sorted(picture.edges_by_kind):
        for directed, edges in sorted(picture.edges_by_kind[kind].items()):
            if not edges:
                continue
            css = f"ties tk-{kind}" + (" directed" if directed else "")
            parts.append(f'<g class="{css}" data-kind="{kind}">')
            for x1, y1, x2, y2, community, strength in edges:
                attributes = f' data-c="{community}"' if community is not None else ""
                if strength != 2:
                    attributes += f' class="s{strength}"'
                parts.append(f'<path d="M{x1} {y1}L{x2} {y2}"{attributes}/>')
            parts.append("</g>")
    parts.append('<g class="nodes">')
    for node in picture.nodes:
        name = escape(node["name"])
        label = ""
        if node["label"]:
            x, anchor = node["x"], ""
            if x < WIDTH / 3:  # keep long names inside the drawing: they grow away from the nearer edge
                x, anchor = round(x - node["r"], 1), ' text-anchor="start"'
            elif x > 2 * WIDTH / 3:
                x, anchor = round(x + node["r"], 1), ' text-anchor="end"'
            label = f'<text x="{x}" y="{round(node["y"] - node["r"] - 2, 1)}"{anchor}>{name}</text>'

        parts.append(
            f'<a href="{actor_url_prefix}{node["id"]}" class="n f-{node["family"]}" data-id="{node["id"]}" '
            f'data-c="{node["community"]}"><circle cx="{node["x"]}" cy="{node["y"]}" r="{node["r"]}"/>'
            f'<title>{name}</title>{label}</a>')
    parts.append("</g>")
    return Markup("".join(parts))


def view_box() -> str:
    """The drawing's coordinate box."""
    return f"0 0 {int(WIDTH)} {int(HEIGHT)}"
