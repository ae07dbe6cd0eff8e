// Shell: the zirconia shell (being built; issue 6).
