//! Reports of a run: terminal table, CSV, HTML with SVG charts.
