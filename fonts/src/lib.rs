//! # pinghu-fonts
//!
//! CJK bitmap fonts, typesetting and the board `Frame`. Not implemented yet: this crate is a
//! workspace member so the layout is fixed; the fonts issue fills it.
