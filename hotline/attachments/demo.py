"""Demo files (`seed-demo`): a resident's letter and an invitation on two open enquiries, so that the
enquiry page shows its Files box with something in it."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Attachment, AttachmentSource, Enquiry, EnquiryStatus
from .service import add_attachment

LETTER = ("Здравствуйте!\r\n\r\nМой сын участвует в молодёжном обмене. Прилагаю письмо принимающей стороны.\r\n"
          "Подскажите, какие документы нужны для поездки.\r\n\r\nС уважением, Анна Соколова\r\n").encode("windows-1251")


def invitation_pdf() -> bytes:
    """A one-page PDF, its cross-reference table computed so that any reader opens it."""
    text = b"BT /F1 18 Tf 72 720 Td (Invitation: summer school, Oxford, July 2027) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def seed_demo_attachments() -> int:
    """Once: the letter and the invitation on the two newest open enquiries that have a caller."""
    if db.session.execute(select(func.count(Attachment.id))).scalar_one():
        return 0
    enquiries = db.session.execute(
        select(Enquiry).where(Enquiry.status.in_(EnquiryStatus.open_values()), Enquiry.caller_id.is_not(None))
        .order_by(Enquiry.created_at.desc()).limit(2)).scalars().all()
    files = [("Письмо принимающей стороны.txt", LETTER, AttachmentSource.PUBLIC),
             ("Приглашение — летняя школа.pdf", invitation_pdf(), AttachmentSource.EMAIL)]
    for enquiry, (name, data, source) in zip(enquiries, files):
        add_attachment(enquiry, name, data, source, None)
    return min(len(enquiries), len(files))
