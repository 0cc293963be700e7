from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("documents/", views.documents, name="documents"),
    path("documents/<uuid:document_id>/file/", views.download, name="download"),
    path("documents/<uuid:document_id>/sign/", views.sign, name="sign"),
    path("clinician/clients/<uuid:client_id>/documents/", views.clinician_documents,
         name="clinician_documents"),
]
