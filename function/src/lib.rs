//! The FAQ Lambda's logic, kept free of the Lambda runtime so that it can be tested directly
//! and shared: [`faq`] is the one model of `faq.json` (faqctl validates the file with it before
//! anything is built or deployed), [`handler`] turns an event into a response without I/O, and [`cors`] adds the headers a
//! page on another origin needs.

pub mod cors;
pub mod faq;
pub mod handler;

pub use cors::{Cors, CORS_ORIGINS_ENV};
pub use faq::{Entry, Faq, FaqError};
pub use handler::{handle, Outcome, PayloadFormat};
