//! ECI instance specs and prices.
