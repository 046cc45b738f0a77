"""On-chip learning: plastic layer description, SP three-factor rule, bit-exact numpy fallback of Lava's learning engine."""
