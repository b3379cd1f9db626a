//! Load traces: tables, CSV files and generators.
