//! A small, defensive XML reader for warning messages: the document becomes a tree of elements
//! (local names, text, children) or a refusal that says what is wrong.
//!
//! * Size, depth and element count are limited, so a 10 MB document or a deep nest is refused
//!   before it costs memory.
//! * A `<!DOCTYPE …>` is refused: no DTD, no external or internal entities (XXE, "billion laughs").
//!   Only XML's five named entities and character references are expanded.
//! * What real feeds send is accepted: a UTF-8 BOM, `encoding="ISO-8859-1"` (and GBK/GB18030),
//!   prefixed names (`cap:alert`), CRLF, comments and processing instructions (skipped), and
//!   signatures inside the document (`<Signature>`, skipped: the envelope's signature counts).

use quick_xml::events::Event;

/// Largest warning document accepted.
pub const MAX_DOCUMENT: usize = 256 * 1024;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 32;
/// Most elements accepted.
pub const MAX_ELEMENTS: usize = 20_000;

/// An element: its local name (prefix dropped), its text (trimmed), its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child named one of `names`, if not empty.
    pub fn text_of(&self, names: &[&str]) -> Option<&str> {
        names
            .iter()
            .find_map(|n| self.child(n))
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }
}

/// Why bytes are not a warning's XML this reader takes (a receipt gives it as the reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    #[error("the XML document is {size} bytes, more than the {} KiB limit", MAX_DOCUMENT / 1024)]
    TooLarge { size: usize },
    #[error("malformed XML at byte {at}: {detail}")]
    Malformed { at: u64, detail: String },
    #[error("the XML has a DOCTYPE: document type definitions and entities are refused")]
    DocType,
    #[error("the XML has more than {MAX_ELEMENTS} elements")]
    TooManyElements,
    #[error("the XML nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("the XML has more than one root element")]
    TwoRoots,
    #[error("the XML closes an element it never opened")]
    UnopenedClose,
    #[error("the XML uses the entity &{0};: only &lt; &gt; &amp; &quot; &apos; and character references are allowed")]
    Entity(String),
    #[error("the XML ends inside <{0}>")]
    Unclosed(String),
    #[error("the XML has no root element")]
    NoRoot,
    #[error("the XML is not valid UTF-8 at byte {0} (declare its encoding, e.g. encoding=\"GB18030\")")]
    NotUtf8(usize),
    #[error("the XML declares the unknown encoding {0:?}")]
    UnknownEncoding(String),
    #[error("the XML is not valid {0}")]
    NotValidIn(&'static str),
}

/// Parse `bytes` into its root element, or say why not.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    if bytes.len() > MAX_DOCUMENT {
        return Err(XmlError::TooLarge { size: bytes.len() });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = decode(bytes)?;
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    // Depth inside a skipped subtree (an XML signature).
    let mut skipping = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| XmlError::Malformed {
            at: reader.buffer_position(),
            detail: e.to_string(),
        })?;
        match event {
            Event::DocType(_) => {
                return Err(XmlError::DocType);
            }
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                if skipping > 0 || name == "Signature" {
                    skipping += 1;
                    continue;
                }
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::TooManyElements);
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(Element {
                    name,
                    ..Element::default()
                });
            }
            Event::Empty(e) => {
                let name = local(e.name().as_ref());
                if skipping > 0 || name == "Signature" {
                    continue;
                }
                count += 1;
                let el = Element {
                    name,
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(XmlError::TwoRoots),
                }
            }
            Event::End(_) => {
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
                let Some(mut el) = stack.pop() else {
                    return Err(XmlError::UnopenedClose);
                };
                let trimmed = el.text.trim().to_owned();
                el.text = trimmed;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(XmlError::TwoRoots),
                }
            }
            Event::Text(t) => {
                if skipping > 0 {
                    continue;
                }
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if skipping > 0 {
                    continue;
                }
                let name = r.as_ref().to_owned();
                let ch = resolve_ref(&name).ok_or_else(|| XmlError::Entity(name.clone()))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push(ch);
                }
            }
            Event::CData(c) => {
                if skipping == 0
                    && let Some(el) = stack.last_mut()
                {
                    el.text.push_str(&c.xml10_content());
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Unclosed(
            stack.last().map_or(String::new(), |e| e.name.clone()),
        ));
    }
    root.ok_or(XmlError::NoRoot)
}

/// `&name;` → its character: the five named entities and `#N` / `#xN`.
fn resolve_ref(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        n => {
            let n = n.strip_prefix('#')?;
            let code = match n.strip_prefix('x').or_else(|| n.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

fn local(qname: &str) -> String {
    qname.rsplit(':').next().unwrap_or(qname).to_owned()
}

/// The document as text, by its declared encoding (UTF-8 when none is declared).
fn decode(bytes: &[u8]) -> Result<String, XmlError> {
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let declared = head
        .strip_prefix("<?xml")
        .and_then(|d| d.split("?>").next())
        .and_then(|d| d.split("encoding=").nth(1))
        .map(|e| {
            e.trim_start_matches(['"', '\''])
                .split(['"', '\''])
                .next()
                .unwrap_or("")
                .to_owned()
        });
    let encoding = match declared.as_deref() {
        None | Some("utf-8" | "utf8") => {
            return String::from_utf8(bytes.to_vec()).map_err(|e| XmlError::NotUtf8(e.utf8_error().valid_up_to()));
        }
        Some(label) => encoding_rs::Encoding::for_label(label.as_bytes())
            .ok_or_else(|| XmlError::UnknownEncoding(label.to_owned()))?,
    };
    let (text, _, bad) = encoding.decode(bytes);
    if bad {
        return Err(XmlError::NotValidIn(encoding.name()));
    }
    // The declaration now names an encoding the text no longer has.
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_real_feeds_send() {
        let doc = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- feed -->\r\n\
                   <cap:alert xmlns:cap=\"urn:oasis:names:tc:emergency:cap:1.2\">\r\n\
                   <cap:identifier>A&amp;B &#x66B4;</cap:identifier><cap:info><cap:event>雨</cap:event></cap:info>\
                   <Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><x/></SignedInfo></Signature>\
                   </cap:alert>";
        let root = parse(doc.as_bytes()).unwrap();
        assert_eq!(root.name, "alert");
        assert_eq!(root.text_of(&["identifier"]), Some("A&B 暴"));
        assert_eq!(root.child("info").unwrap().text_of(&["event"]), Some("雨"));
        assert!(root.child("Signature").is_none(), "the XML signature is skipped");
    }

    #[test]
    fn latin1_and_gbk_declarations_are_honoured() {
        let mut doc = b"<?xml version='1.0' encoding='ISO-8859-1'?><a><b>Z\xfcrich</b></a>".to_vec();
        assert_eq!(parse(&doc).unwrap().text_of(&["b"]), Some("Zürich"));
        doc = b"<?xml version=\"1.0\" encoding=\"GBK\"?><a><b>\xb1\xa9\xd3\xea</b></a>".to_vec();
        assert_eq!(parse(&doc).unwrap().text_of(&["b"]), Some("暴雨"));
    }

    #[test]
    fn bombs_and_junk_are_refused_with_reasons() {
        let bomb =
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><a>&lol2;</a>";
        assert!(parse(bomb.as_bytes()).unwrap_err().to_string().contains("DOCTYPE"));
        let xxe = "<a>&xxe;</a>";
        assert!(parse(xxe.as_bytes()).unwrap_err().to_string().contains("&xxe;"));
        let big = vec![b' '; MAX_DOCUMENT + 1];
        assert!(parse(&big).unwrap_err().to_string().contains("KiB limit"));
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(parse(deep.as_bytes()).unwrap_err().to_string().contains("deeper"));
        assert!(
            parse(b"<a><b></a>")
                .unwrap_err()
                .to_string()
                .starts_with("malformed XML")
        );
        assert!(parse(b"<a>").unwrap_err().to_string().contains("ends inside"));
        assert!(
            parse(b"\xff\xfe<a/>")
                .unwrap_err()
                .to_string()
                .contains("not valid UTF-8")
        );
    }
}
