"""Version 1 of the privacy notice, the therapy consent and the coaching agreement, published, so
every fresh database (tests included) has a current document of each kind. Later versions are
written and published in Django admin; this migration never touches a document that exists."""

from django.db import migrations
from django.utils import timezone

PRIVACY_TITLE = "Privacy notice"
PRIVACY_BODY = """\
This notice explains what this portal stores about you, who can see it, and what you can do about it.

What we store
Your name, email address and time zone; the consent documents you sign, with the time, the internet (IP) address and the browser you signed from; your answers to questionnaires; your appointments; your goals and check-ins; and the notes your clinician keeps about your care.

Who can see it
You can see your own records. Your assigned clinician can see the records of their own clients only. The practice's administrators can see records when running the practice requires it (for example scheduling, billing or a complaint). Nobody else at the practice can see them, and we do not sell or share your information for marketing.

Every time a member of staff opens your records, the portal writes it to an access log: who looked, at what, and when.

Email and calendar
Emails and calendar entries we send you carry no clinical content: no diagnosis, no scores, no goals and no mention of therapy or coaching in a subject line. A reminder says only that you have an appointment, with a link to sign in. You can also ask for discreet mode, which uses a neutral sender name and calendar title.

Your choices
You can ask for a copy of your record at any time, and download it from the portal where that option is available. You can ask us to close your account by contacting the practice. When you close your account you can no longer sign in; records of therapy care are kept for as long as the law requires and are then deleted.

Questions
If you have a question about your privacy, contact the practice. We will answer in plain language."""

THERAPY_TITLE = "Therapy consent"
THERAPY_BODY = """\
Please read this before your first therapy session. It explains what therapy with the practice involves.

What therapy is
Therapy is a licensed healthcare service. Your clinician will assess your situation, may make a diagnosis, and will agree a treatment plan with you. You can ask questions about your care at any time, and you can stop therapy at any time.

Your health record
Your assessment, any diagnosis and your treatment become part of your health record, which the practice keeps as the law requires.

Insurance
Therapy may be billed to your health insurance. To do that, the practice must share information with your insurer, such as your diagnosis and the dates and type of your sessions. If you would rather pay yourself and keep your insurer out of it, tell us before your first session.

Confidentiality and its limits
What you say in therapy stays confidential. The law makes a few exceptions: if you are at serious risk of harming yourself or someone else, if a child, an older adult or a dependent adult is being abused or neglected, or if a court orders us to release records. In those cases we share only what is needed, and we will tell you when we can.

Emergencies
The practice is not an emergency service and does not monitor messages around the clock. If you are in crisis, call or text 988 (Suicide & Crisis Lifeline). In an emergency, call 911 or go to the nearest emergency room.

Cancellations
Please cancel or reschedule at least 24 hours before your appointment. A session cancelled later or missed may be charged, and insurance does not pay for missed sessions.

By signing, you confirm that you have read this consent, that you have been able to ask questions about it, and that you agree to begin therapy with the practice."""

COACHING_TITLE = "Coaching agreement"
COACHING_BODY = """\
Please read this before your first coaching session. It explains what coaching with the practice is, and what it is not.

What coaching is
Performance coaching is future-focused work on your goals: career, leadership, productivity and follow-through. Your coach helps you plan, keeps you accountable and reviews your progress with you. You decide the goals; you can end coaching at any time.

What coaching is not
Coaching is not a healthcare service. It is not therapy, counselling or medical treatment.

Your coach does not diagnose or treat any condition, and nothing said in coaching is a diagnosis.

Coaching is not covered by health insurance. You pay for it yourself.

Coaching does not provide accommodation letters for school or work.

Coaching is not for anyone at risk of harming themselves or others. If that is you now, coaching is not the right help: call or text 988 (Suicide & Crisis Lifeline), or call 911 in an emergency. The practice can offer you a therapy consultation instead, and coaching can start when you and a clinician agree it is right.

If it turns out you need more than coaching
If your coach believes a health concern is getting in the way, they will say so and suggest a therapy consultation. You can have therapy and coaching at the practice side by side; they are separate services with separate agreements.

Confidentiality
What you discuss in coaching stays confidential, with the same legal limits as any conversation about serious risk of harm to you or someone else.

Cancellations
Please cancel or reschedule at least 24 hours before your session. A session cancelled later or missed may be charged.

By signing, you confirm that you have read and understood this agreement, and that you are not currently at risk of harming yourself or others."""

DOCUMENTS = [
    ("privacy", PRIVACY_TITLE, PRIVACY_BODY),
    ("therapy", THERAPY_TITLE, THERAPY_BODY),
    ("coaching", COACHING_TITLE, COACHING_BODY),
]


def seed(apps, schema_editor):
    ConsentDocument = apps.get_model("clients", "ConsentDocument")
    now = timezone.now()
    for kind, title, body in DOCUMENTS:
        ConsentDocument.objects.get_or_create(
            kind=kind, version=1,
            defaults={"title": title, "body": body.strip(), "published_at": now},
        )


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0002_consent"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
