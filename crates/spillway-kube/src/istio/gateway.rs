//! The IstioGateway resource of ASM.
